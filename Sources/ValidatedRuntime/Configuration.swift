import Foundation
import ValidatedCore

/// The daemon's whole configuration: the main file, its drop-ins, and one file per watched folder.
///
/// Layout (systemd style, like `journald.conf`):
/// - `validated.conf`: sections `[Daemon]`, `[Explain]`, `[Spurious]`, `[Stability]`, `[AUC]`.
/// - `validated.conf.d/*.conf`: drop-ins read in name order; later assignments win.
/// - `folders.d/NAME.conf`: one watched folder each, a `[Folder]` section, an optional `[Scorer]` section
///   (external scorers by extension), plus optional overrides of `[Explain]`, `[Spurious]`, `[Stability]` and
///   `[AUC]` for that folder only.
///
/// Relative paths are resolved against the directory of the file that names them. Every key and its default
/// is documented in the shipped `etc/validated/validated.conf` and `etc/validated/folders.d/example.conf.sample`.
public struct DaemonConfiguration: Sendable {
    /// The store: an SQLite file's path, or a `postgresql://` URL (without a password) that several daemons
    /// share. Default `/var/lib/validated/validated.sqlite`.
    public var database: String = "/var/lib/validated/validated.sqlite"
    /// The file holding the PostgreSQL password, or `nil` (the default): then the systemd credential
    /// `database-password`, then `PGPASSWORD`.
    public var databasePasswordFile: String?
    /// How often the daemon writes its heartbeat row, in seconds. Default 5.
    public var heartbeatSeconds: Double = 5
    /// Whether a passing model becomes its folder's champion automatically. Default yes.
    public var autoPromote: Bool = true
    /// Where folder files live. Default `folders.d` beside the main file.
    public var foldersDirectory: String
    /// Where the daemon writes its metrics in the Prometheus text format, for node_exporter's textfile
    /// collector (replaced atomically after every change), or `nil` (the default) for no metrics.
    public var metricsFile: String?
    /// The suites' settings before per-folder overrides.
    public var settings = ValidationSettings()
    /// The watched folders.
    public var folders: [FolderConfiguration] = []
    /// Every file that was read, in order.
    public var sources: [String] = []

    /// Creates the default configuration for a main file at `mainFile`.
    public init(mainFile: String) {
        foldersDirectory = Paths.directory(of: mainFile) + "/folders.d"
    }
}

/// One watched folder.
public struct FolderConfiguration: Sendable, Equatable {
    /// The folder's name: its file name without `.conf`.
    public var name: String
    /// The directory watched for checkpoints.
    public var path: String = ""
    /// The evaluation set, JSON Lines.
    public var evaluationSet: String = ""
    /// The banned-token list, or `nil` for none.
    public var bannedTokens: String?
    /// Field names and the positive label of the evaluation set.
    public var fields = EvaluationFields()
    /// Whether a passing model becomes champion automatically.
    public var autoPromote: Bool
    /// File extensions treated as checkpoints. Default `safetensors`.
    public var extensions: [String] = ["safetensors"]
    /// Seconds between full scans of the folder besides inotify, or 0 (the default) for none: inotify does not
    /// see files another machine writes to a network mount (NFS, SMB, CephFS), so such a folder needs them.
    public var rescanSeconds: Double = 0
    /// External scorers for extensions other than `safetensors`, from the `[Scorer]` section.
    public var scorer = ScorerConfiguration()
    /// The suites' settings for this folder.
    public var settings: ValidationSettings
    /// The file this folder was read from.
    public var source: String
}

enum Paths {
    static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }

    static func resolve(_ path: String, relativeTo file: String) -> String {
        absolute(path.hasPrefix("/") ? path : directory(of: file) + "/" + path)
    }

    /// `path` made absolute against the working directory, with `.` and `..` removed.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardized.path
    }

    static func baseName(_ file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return file }
        return String(file[file.index(after: slash)...])
    }
}
