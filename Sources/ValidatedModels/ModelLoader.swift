import Foundation
import ValidatedCore

/// A checkpoint read from disk: its classifier and its content fingerprint.
public struct LoadedModel: Sendable {
    /// The file or folder it was read from.
    public var path: String
    /// Lowercase hex SHA-256 of the file's bytes, or of the folder's files (see ``CheckpointHasher``).
    public var sha256: String
    /// The file size in bytes, or the sum of the folder's file sizes.
    public var size: Int
    /// The classifier.
    public var classifier: any TextClassifier

    /// Ends the model's scorer process, if it is served by one: call it when the run is over.
    public func close() {
        (classifier as? ScorerClassifier)?.close()
    }
}

/// Reads checkpoints from disk: `.safetensors` in-process, other extensions and folders through their configured
/// scorer.
public struct ModelLoader: Sendable {
    /// The largest checkpoint accepted, in bytes.
    public var maxFileBytes: Int
    /// Container limits.
    public var limits: SafeTensors.Limits
    /// External scorers by file extension (lowercase, without the dot), for example `onnx`; the one for
    /// ``folderScorer`` serves checkpoint folders.
    public var scorers: [String: ScorerCommand]
    /// Where started scorer processes are registered, so a cancelled run can kill them; `nil` for none.
    public var roster: ScorerRoster?
    /// Fingerprints checkpoints; share one between loaders so that a content is hashed once.
    public var hasher: CheckpointHasher
    /// Called at least once a second while a scorer is waited for; see ``ScorerClassifier/init(file:command:roster:whileWaiting:)``.
    public var whileWaitingForScorers: (@Sendable () -> Void)?

    /// Creates a loader.
    public init(
        maxFileBytes: Int = 2 << 30,
        limits: SafeTensors.Limits = SafeTensors.Limits(),
        scorers: [String: ScorerCommand] = [:],
        roster: ScorerRoster? = nil,
        hasher: CheckpointHasher = CheckpointHasher(),
        whileWaitingForScorers: (@Sendable () -> Void)? = nil
    ) {
        self.hasher = hasher
        self.whileWaitingForScorers = whileWaitingForScorers
        self.maxFileBytes = maxFileBytes
        self.limits = limits
        self.scorers = scorers
        self.roster = roster
    }

    /// Reads a file's bytes, refusing files over ``maxFileBytes`` (a `.safetensors` file is read whole).
    public func readBytes(_ path: String) throws(ModelError) -> [UInt8] {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ModelError(
                file: path,
                reason:
                    "cannot be read (\(Self.reason(error))); check that it exists and is readable by the daemon's user"
            )
        }
        if let size = attributes[.size] as? Int, size > maxFileBytes {
            throw ModelError(file: path, reason: "is \(size) bytes, over the limit of \(maxFileBytes) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(
                file: path,
                reason: "cannot be read; check that it exists and is readable by the daemon's user"
            )
        }
        return [UInt8](data)
    }

    /// The fingerprint of a checkpoint file or folder, hashed by ``hasher`` (streaming, and once per content).
    public func fingerprint(_ path: String) throws(ModelError) -> Fingerprint {
        try hasher.fingerprint(path)
    }

    /// Loads a checkpoint: a folder through the scorer configured for `folder`, a file by its extension (a
    /// configured scorer's extension starts that scorer, `.safetensors` is read in-process). A model served by a
    /// scorer must be closed with ``LoadedModel/close()``.
    ///
    /// - Throws: ``ModelError`` naming the file and what is wrong with it, or why its scorer did not start.
    public func load(_ path: String) throws(ModelError) -> LoadedModel {
        if Self.isFolder(path) {
            guard let command = scorers[Self.folderScorer] else {
                throw ModelError(file: path, reason: Self.noFolderScorer)
            }
            return try serve(Self.absolute(path), by: command)
        }
        let fileExtension = Self.fileExtension(path)
        if let command = scorers[fileExtension] { return try serve(path, by: command) }
        guard fileExtension == "safetensors" else {
            let served = (["safetensors"] + scorers.keys.sorted()).map { "." + $0 }.joined(separator: ", ")
            throw ModelError(
                file: path,
                reason:
                    "unsupported model type; this reads \(served); other formats need a scorer: a folder's [Scorer] Command=EXTENSION COMMAND, or validatectl validate --scorer EXTENSION=COMMAND (docs/scorer-protocol.md)"
            )
        }
        let stamp = try CheckpointStamp(path)
        let bytes = try readBytes(path)
        let fingerprint = try fingerprint(of: bytes, readFrom: path, stampedBefore: stamp)
        let container = try SafeTensors(bytes: bytes, file: path, limits: limits)
        let pipeline = try NativeTextPipeline(container: container, file: path)
        return LoadedModel(path: path, sha256: fingerprint.sha256, size: fingerprint.size, classifier: pipeline)
    }

    /// The pseudo-extension whose scorer serves checkpoint folders.
    public static let folderScorer = "folder"

    static let noFolderScorer = """
        is a folder, and checkpoint folders are served by a scorer for the pseudo-extension folder; add the line \
        Command=folder python3 /usr/local/lib/validated/hf_scorer.py to the [Scorer] section of the folder's file \
        in folders.d/ (or pass validatectl validate --scorer 'folder=COMMAND')
        """

    /// Starts `command` for the checkpoint at `path`, fingerprinted by ``hasher``.
    private func serve(_ path: String, by command: ScorerCommand) throws(ModelError) -> LoadedModel {
        let fingerprint = try fingerprint(path)
        do {
            let classifier = try ScorerClassifier(
                file: path,
                command: command,
                roster: roster,
                whileWaiting: whileWaitingForScorers
            )
            return LoadedModel(path: path, sha256: fingerprint.sha256, size: fingerprint.size, classifier: classifier)
        } catch {
            throw ModelError(file: path, reason: error.detail)
        }
    }

    /// The fingerprint of `bytes` just read from `path`: the remembered one when the file's stamp did not change
    /// around the read, else the bytes' own hash.
    private func fingerprint(
        of bytes: [UInt8],
        readFrom path: String,
        stampedBefore stamp: CheckpointStamp
    ) throws(ModelError) -> Fingerprint {
        let unchanged = try CheckpointStamp(path) == stamp
        if unchanged, let known = hasher.remembered(path, stamp: stamp) { return known }
        let fingerprint = Fingerprint(sha256: SHA256.hex(SHA256.hash(bytes)), size: bytes.count)
        if unchanged { hasher.remember(path, stamp: stamp, fingerprint) }
        return fingerprint
    }

    /// Whether `path` is a directory, or a link to one.
    public static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `path` made absolute against the working directory, as a scorer started elsewhere needs it.
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
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
