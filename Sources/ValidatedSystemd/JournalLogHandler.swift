import Foundation
import Logging
import Synchronization

/// A swift-log handler that writes structured entries to the systemd journal.
///
/// Each entry has `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`,
/// `LOGGER_LABEL`, and every metadata value under its sanitized key (``JournalFieldName/sanitize(_:)``);
/// per-call metadata wins over the provider's, which wins over the handler's. Nested metadata is flattened to
/// dotted keys before sanitizing (`model: [path: x]` becomes `MODEL_PATH`). Keys that are already valid field
/// names, such as `MESSAGE_ID` or `VALIDATED_MODEL`, pass unchanged. When journald cannot be reached the entry
/// goes to standard error instead, at most one line per second for the failures.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let identifier: String

    /// Creates a handler.
    ///
    /// - Parameters:
    ///   - label: The logger's label, sent as `LOGGER_LABEL`.
    ///   - identifier: The `SYSLOG_IDENTIFIER`, the name `journalctl -t` selects. Default `validated`.
    public init(label: String, identifier: String = "validated", metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.identifier = identifier
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", event.message.description),
            ("PRIORITY", String(Self.priority(event.level))),
            ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", event.file),
            ("CODE_LINE", String(event.line)),
            ("CODE_FUNC", event.function),
            ("LOGGER_LABEL", label),
        ]
        if let error = event.error { fields.append(("ERROR", "\(error)")) }
        let reserved: Set<String> = [
            "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER_LABEL", "ERROR",
        ]
        for (key, value) in Self.flatten(merged, prefix: "").sorted(by: { $0.key < $1.key }) {
            let name = JournalFieldName.sanitize(key)
            if !reserved.contains(name) { fields.append((name, value)) }
        }
        if Journal.send(fields) < 0 { Self.fallback(level: event.level, message: event.message.description) }
    }

    /// Syslog priorities: trace and debug 7, info 6, notice 5, warning 4, error 3, critical 2.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    private static func flatten(_ metadata: Logger.Metadata, prefix: String) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in metadata {
            let name = prefix.isEmpty ? key : prefix + "." + key
            switch value {
            case .string(let string): out[name] = string
            case .stringConvertible(let convertible): out[name] = convertible.description
            case .dictionary(let nested): out.merge(flatten(nested, prefix: name)) { $1 }
            case .array(let values): out[name] = values.map(\.description).joined(separator: ",")
            }
        }
        return out
    }

    private static let lastFallback = Mutex<ContinuousClock.Instant?>(nil)

    private static func fallback(level: Logger.Level, message: String) {
        let now = ContinuousClock.now
        let allowed = lastFallback.withLock { last -> Bool in
            if let previous = last, now - previous < .seconds(1) { return false }
            last = now
            return true
        }
        guard allowed else { return }
        FileHandle.standardError.write(Data("validated[journal unavailable] \(level): \(message)\n".utf8))
    }
}
