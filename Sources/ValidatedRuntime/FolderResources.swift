import Foundation
import ValidatedCore

/// A folder's evaluation set and banned-token list, read from disk, with their fingerprints.
public struct FolderResources: Sendable {
    /// The parsed evaluation set.
    public var evaluation: EvaluationSet
    /// SHA-256 of the evaluation set file's bytes.
    public var evaluationFingerprint: String
    /// The banned tokens (empty when the folder names none).
    public var banned: BannedTokenList
    /// The label value of the positive class, which the model's classes must include.
    public var positiveLabel: String

    /// Reads the evaluation set and banned-token list named by `folder`.
    ///
    /// - Throws: ``ResourceError`` naming the file, and the line for a malformed entry.
    public static func load(
        evaluationSet: String,
        fields: EvaluationFields,
        bannedTokens: String?
    ) throws(ResourceError) -> FolderResources {
        guard let data = FileManager.default.contents(atPath: evaluationSet) else {
            throw ResourceError(
                description: "\(evaluationSet): cannot be read; check EvaluationSet= and the file's permissions"
            )
        }
        let bytes = [UInt8](data)
        let evaluation: EvaluationSet
        do {
            evaluation = try EvaluationSet.parse(jsonLines: bytes, source: evaluationSet, fields: fields)
        } catch {
            throw ResourceError(description: "\(error)")
        }
        var banned = BannedTokenList.empty
        if let bannedTokens {
            guard let data = FileManager.default.contents(atPath: bannedTokens),
                let text = String(data: data, encoding: .utf8)
            else {
                throw ResourceError(description: "\(bannedTokens): cannot be read as UTF-8 text; check BannedTokens=")
            }
            do {
                banned = try BannedTokenList.parse(text, source: bannedTokens)
            } catch {
                throw ResourceError(description: "\(error)")
            }
        }
        return FolderResources(
            evaluation: evaluation,
            evaluationFingerprint: SHA256.hex(SHA256.hash(bytes)),
            banned: banned,
            positiveLabel: fields.positiveLabel
        )
    }
}

/// An evaluation set or banned-token list that cannot be used.
public struct ResourceError: Error, CustomStringConvertible, Sendable {
    /// The file, line where known, and reason.
    public var description: String
}
