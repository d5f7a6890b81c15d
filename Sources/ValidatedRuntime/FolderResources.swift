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
    /// SHA-256 of the evaluation set's and the banned-token list's bytes together: daemons sharing a store
    /// compare it to judge a folder with one copy of both.
    public var copyFingerprint: String
    /// Evaluation texts cut to the text limit (see ``load(evaluationSet:fields:bannedTokens:maxTextCharacters:)``).
    public var cutTexts = 0

    /// Reads the evaluation set and banned-token list named by `folder`.
    ///
    /// - Parameter maxTextCharacters: Texts longer than this are cut to their first `maxTextCharacters`
    ///   characters (``ValidationSettings/maxTextCharacters``); the fingerprint then names the limit, so scores
    ///   stored for the cut set are never taken for the whole one's.
    /// - Throws: ``ResourceError`` naming the file, and the line for a malformed entry.
    public static func load(
        evaluationSet: String,
        fields: EvaluationFields,
        bannedTokens: String?,
        maxTextCharacters: Int? = nil
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
        var bannedBytes: [UInt8] = []
        if let bannedTokens {
            guard let data = FileManager.default.contents(atPath: bannedTokens),
                let text = String(data: data, encoding: .utf8)
            else {
                throw ResourceError(description: "\(bannedTokens): cannot be read as UTF-8 text; check BannedTokens=")
            }
            bannedBytes = [UInt8](data)
            do {
                banned = try BannedTokenList.parse(text, source: bannedTokens)
            } catch {
                throw ResourceError(description: "\(error)")
            }
        }
        var resources = FolderResources(
            evaluation: evaluation,
            evaluationFingerprint: SHA256.hex(SHA256.hash(bytes)),
            banned: banned,
            positiveLabel: fields.positiveLabel,
            copyFingerprint: SHA256.hex(SHA256.hash(bytes + Array("\0banned\0".utf8) + bannedBytes))
        )
        if let maxTextCharacters { resources.cut(toCharacters: maxTextCharacters, bytes: bytes) }
        return resources
    }

    /// Cuts every text longer than `limit` characters to its first `limit`, and marks the fingerprint.
    private mutating func cut(toCharacters limit: Int, bytes: [UInt8]) {
        for index in evaluation.documents.indices {
            let text = evaluation.documents[index].text
            // A text of at most `limit` bytes has at most `limit` characters: most are settled without counting.
            guard text.utf8.count > limit, text.count > limit else { continue }
            evaluation.documents[index].text = String(text.prefix(limit))
            cutTexts += 1
        }
        if cutTexts > 0 { evaluationFingerprint = SHA256.hex(SHA256.hash(bytes + Array("\0cut:\(limit)".utf8))) }
    }
}

/// An evaluation set or banned-token list that cannot be used.
public struct ResourceError: Error, CustomStringConvertible, Sendable {
    /// The file, line where known, and reason.
    public var description: String
}
