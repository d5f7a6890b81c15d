import Foundation
import ValidatedCore

/// A checkpoint read from disk: its classifier and its content fingerprint.
public struct LoadedModel: Sendable {
    /// The file it was read from.
    public var path: String
    /// Lowercase hex SHA-256 of the file's bytes.
    public var sha256: String
    /// The file size in bytes.
    public var size: Int
    /// The classifier.
    public var classifier: any TextClassifier

    /// Ends the model's scorer process, if it is served by one: call it when the run is over.
    public func close() {
        (classifier as? ScorerClassifier)?.close()
    }
}

/// Reads checkpoints from disk: `.safetensors` in-process, other extensions through their configured scorer.
public struct ModelLoader: Sendable {
    /// The largest checkpoint accepted, in bytes.
    public var maxFileBytes: Int
    /// Container limits.
    public var limits: SafeTensors.Limits
    /// External scorers by file extension (lowercase, without the dot), for example `onnx`.
    public var scorers: [String: ScorerCommand]
    /// Where started scorer processes are registered, so a cancelled run can kill them; `nil` for none.
    public var roster: ScorerRoster?
    /// Called at least once a second while a scorer is waited for; see ``ScorerClassifier/init(file:command:roster:whileWaiting:)``.
    public var whileWaitingForScorers: (@Sendable () -> Void)?

    /// Creates a loader.
    public init(
        maxFileBytes: Int = 2 << 30, limits: SafeTensors.Limits = SafeTensors.Limits(),
        scorers: [String: ScorerCommand] = [:], roster: ScorerRoster? = nil,
        whileWaitingForScorers: (@Sendable () -> Void)? = nil
    ) {
        self.whileWaitingForScorers = whileWaitingForScorers
        self.maxFileBytes = maxFileBytes
        self.limits = limits
        self.scorers = scorers
        self.roster = roster
    }

    /// Reads a file's bytes, refusing files over ``maxFileBytes``.
    public func readBytes(_ path: String) throws(ModelError) -> [UInt8] {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ModelError(file: path, reason: "cannot be read (\(Self.reason(error))); check that it exists and is readable by the daemon's user")
        }
        if let size = attributes[.size] as? Int, size > maxFileBytes {
            throw ModelError(file: path, reason: "is \(size) bytes, over the limit of \(maxFileBytes) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(file: path, reason: "cannot be read; check that it exists and is readable by the daemon's user")
        }
        return [UInt8](data)
    }

    /// SHA-256 of a file, as lowercase hex.
    public func fingerprint(_ path: String) throws(ModelError) -> (sha256: String, size: Int) {
        let bytes = try readBytes(path)
        return (SHA256.hex(SHA256.hash(bytes)), bytes.count)
    }

    /// Loads a checkpoint by its file extension: a configured scorer's extension starts that scorer (the model
    /// must then be closed with ``LoadedModel/close()``), `.safetensors` is read in-process.
    ///
    /// - Throws: ``ModelError`` naming the file and what is wrong with it, or why its scorer did not start.
    public func load(_ path: String) throws(ModelError) -> LoadedModel {
        let fileExtension = Self.fileExtension(path)
        if let command = scorers[fileExtension] {
            let (sha256, size) = try fingerprint(path)
            do {
                let classifier = try ScorerClassifier(
                    file: path, command: command, roster: roster, whileWaiting: whileWaitingForScorers
                )
                return LoadedModel(path: path, sha256: sha256, size: size, classifier: classifier)
            } catch {
                throw ModelError(file: path, reason: error.detail)
            }
        }
        guard fileExtension == "safetensors" else {
            let served = (["safetensors"] + scorers.keys.sorted()).map { "." + $0 }.joined(separator: ", ")
            throw ModelError(
                file: path,
                reason: "unsupported model type; this reads \(served); other formats need a scorer: a folder's [Scorer] Command=EXTENSION COMMAND, or validatectl validate --scorer EXTENSION=COMMAND (docs/scorer-protocol.md)"
            )
        }
        let bytes = try readBytes(path)
        let container = try SafeTensors(bytes: bytes, file: path, limits: limits)
        let pipeline = try NativeTextPipeline(container: container, file: path)
        return LoadedModel(path: path, sha256: SHA256.hex(SHA256.hash(bytes)), size: bytes.count, classifier: pipeline)
    }

    /// The lowercase extension of a path's file name, without the dot; empty when it has none.
    static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
