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
}

/// Reads checkpoints from disk.
public struct ModelLoader: Sendable {
    /// The largest checkpoint accepted, in bytes.
    public var maxFileBytes: Int
    /// Container limits.
    public var limits: SafeTensors.Limits

    /// Creates a loader.
    public init(maxFileBytes: Int = 2 << 30, limits: SafeTensors.Limits = SafeTensors.Limits()) {
        self.maxFileBytes = maxFileBytes
        self.limits = limits
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

    /// Loads a checkpoint by its file extension.
    ///
    /// - Throws: ``ModelError`` naming the file and what is wrong with it.
    public func load(_ path: String) throws(ModelError) -> LoadedModel {
        guard path.hasSuffix(".safetensors") else {
            throw ModelError(file: path, reason: "unsupported model type; this build reads .safetensors checkpoints (docs/model-format.md)")
        }
        let bytes = try readBytes(path)
        let container = try SafeTensors(bytes: bytes, file: path, limits: limits)
        let pipeline = try NativeTextPipeline(container: container, file: path)
        return LoadedModel(path: path, sha256: SHA256.hex(SHA256.hash(bytes)), size: bytes.count, classifier: pipeline)
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
