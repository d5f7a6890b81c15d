import Foundation
import Testing

/// A parsed JSON value that keeps booleans and numbers apart, so a test can check the documented type of each
/// field.
enum JSON: Decodable, CustomStringConvertible, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    /// Parses `text`, which must be one JSON document.
    static func parse(_ text: String) throws -> JSON {
        try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
    }

    subscript(key: String) -> JSON? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    var array: [JSON] {
        if case .array(let values) = self { return values }
        return []
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    var description: String {
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

/// The documented type of a field.
enum Kind: CustomStringConvertible, Sendable {
    case string, number, integer, bool, array, object, date
    indirect case nullable(Kind)

    func matches(_ value: JSON) -> Bool {
        switch (self, value) {
        case (.nullable, .null): true
        case (.nullable(let kind), _): kind.matches(value)
        case (.string, .string), (.number, .number), (.bool, .bool), (.array, .array), (.object, .object): true
        case (.integer, .number(let number)): number.rounded() == number
        case (.date, .string(let text)): ISO8601DateFormatter().date(from: text) != nil
        default: false
        }
    }

    var description: String {
        switch self {
        case .nullable(let kind): "\(kind) or null"
        case .string: "string"
        case .number: "number"
        case .integer: "integer"
        case .bool: "boolean"
        case .array: "array"
        case .object: "object"
        case .date: "ISO 8601 date string"
        }
    }
}

/// Expects `value` to be an object with every field of `shape`, each of its documented kind.
func expectShape(_ value: JSON?, _ shape: [String: Kind], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard case .object(let fields) = value else {
        Issue.record("\(what) is \(value.map(\.description) ?? "missing"), not an object", sourceLocation: sourceLocation)
        return
    }
    for (key, kind) in shape.sorted(by: { $0.key < $1.key }) {
        guard let field = fields[key] else {
            Issue.record("\(what) lacks the documented field \"\(key)\"", sourceLocation: sourceLocation)
            continue
        }
        #expect(kind.matches(field), "\(what).\(key) is \(field), documented as \(kind)", sourceLocation: sourceLocation)
    }
}

/// The documented fields of a model object.
let modelShape: [String: Kind] = [
    "id": .integer, "folder": .string, "path": .string, "file_name": .string, "sha256": .string, "size": .integer,
    "first_seen": .date,
]

/// The documented fields of a run object.
let runShape: [String: Kind] = [
    "id": .integer, "state": .string, "verdict": .nullable(.string), "summary": .nullable(.string), "queued_at": .date,
    "started_at": .nullable(.date), "finished_at": .nullable(.date), "attempts": .integer,
    "champion_model_id": .nullable(.integer), "model": .object,
]
