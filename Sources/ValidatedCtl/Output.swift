import ArgumentParser
import Foundation
import Glibc
import ValidatedCore
import ValidatedStore

/// Options every read verb shares: machine output, legend and paging.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON object (schema validatectl/1, see docs/validatectl.md) instead of text.")
    var json = false

    @Flag(name: .long, help: "Leave out header and footer lines, for scripts that read the text.")
    var noLegend = false

    @Flag(name: .long, help: "Accepted for systemd compatibility; validatectl never pages its output.")
    var noPager = false
}

/// The version tag at the top of every `--json` document. Bump it only when a field changes meaning or
/// disappears; adding fields keeps it.
let jsonSchema = "validatectl/1"

/// A JSON value, for documents whose parts are stored as JSON text (reports, check metrics), and for reading
/// validatectl's `--json` output with booleans, numbers and strings kept apart.
public enum JSONValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses stored JSON text; `nil` for missing or malformed text.
    public init?(parsing text: String?) {
        guard let text, let value = try? Self.parse(text) else { return nil }
        self = value
    }

    /// Parses `text`, which must be one JSON document.
    ///
    /// - Throws: `DecodingError` when it is not.
    public static func parse(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Whole numbers print without a fraction, as they were stored.
            if value.rounded() == value, abs(value) < 1e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// An object's field; `nil` for a missing field or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// An array's elements; empty for a value that is not an array.
    public var array: [JSONValue] {
        if case .array(let values) = self { return values }
        return []
    }

    /// A string's text; `nil` for any other value.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// A number's value; `nil` for any other value.
    public var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// A short rendering for messages: scalars as written, arrays by length, objects by their keys.
    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .array(let values): "[\(values.count) values]"
        case .object(let fields): "{\(fields.keys.sorted().joined(separator: ", "))}"
        }
    }
}

/// Prints `document` as one sorted, pretty JSON object on standard output.
func printJSON(_ document: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(document), as: UTF8.self))
}

/// A model as it appears in every `--json` document.
struct ModelJSON: Encodable, Sendable {
    var id: Int64
    var folder: String
    var path: String
    var fileName: String
    var sha256: String
    var size: Int64
    var firstSeen: Date

    init(_ model: ModelRecord) {
        id = model.id
        folder = model.folder
        path = model.path
        fileName = Format.fileName(model.path)
        sha256 = model.sha256
        size = model.size
        firstSeen = model.firstSeen
    }

    enum CodingKeys: String, CodingKey {
        case id, folder, path, sha256, size
        case fileName = "file_name"
        case firstSeen = "first_seen"
    }
}

/// A run as it appears in every `--json` document (without its report).
struct RunJSON: Encodable, Sendable {
    var id: Int64
    var state: String
    var verdict: String?
    var summary: String?
    var queuedAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    var attempts: Int
    var championModelID: Int64?
    var model: ModelJSON

    init(_ run: RunRecord) {
        id = run.id
        state = run.state.rawValue
        verdict = run.verdict?.rawValue
        summary = run.summary
        queuedAt = run.queuedAt
        startedAt = run.startedAt
        finishedAt = run.finishedAt
        attempts = run.attempts
        championModelID = run.championModelID
        model = ModelJSON(run.model)
    }

    enum CodingKeys: String, CodingKey {
        case id, state, verdict, summary, attempts, model
        case queuedAt = "queued_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case championModelID = "champion_model_id"
    }

    // Optional fields are written as null rather than left out, so every documented key is always present.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(state, forKey: .state)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(summary, forKey: .summary)
        try container.encode(queuedAt, forKey: .queuedAt)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(championModelID, forKey: .championModelID)
        try container.encode(model, forKey: .model)
    }
}

/// ANSI colour for terminal output: used only when standard output is a terminal and `NO_COLOR` is unset
/// (https://no-color.org).
struct Palette: Sendable {
    /// Whether escapes are written.
    var enabled: Bool

    /// The palette for this process's standard output.
    static var standardOutput: Palette {
        Palette(enabled: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
    }

    func paint(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// The verdict's name padded to `width` columns, coloured by severity.
    func verdict(_ verdict: Verdict?, width: Int = 0, uppercased: Bool = false) -> String {
        let name = verdict.map { uppercased ? $0.rawValue.uppercased() : $0.rawValue } ?? "?"
        let text = name.padding(toLength: max(width, name.count), withPad: " ", startingAt: 0)
        switch verdict {
        case .skipped: return paint(text, "2")
        case .pass: return paint(text, "32")
        case .warn: return paint(text, "33")
        case .fail, .error: return paint(text, "1;31")
        case nil: return text
        }
    }

    func positive(_ text: String) -> String { paint(text, "32") }
    func negative(_ text: String) -> String { paint(text, "31") }
}
