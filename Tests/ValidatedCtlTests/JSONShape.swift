import Foundation
import Testing
import ValidatedCtl

/// The documented type of a field.
enum Kind: CustomStringConvertible, Sendable {
    case string, number, integer, bool, array, object, date
    indirect case nullable(Kind)

    func matches(_ value: JSONValue) -> Bool {
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
func expectShape(
    _ value: JSONValue?,
    _ shape: [String: Kind],
    _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard case .object(let fields) = value else {
        Issue.record(
            "\(what) is \(value.map(\.description) ?? "missing"), not an object",
            sourceLocation: sourceLocation
        )
        return
    }
    for (key, kind) in shape.sorted(by: { $0.key < $1.key }) {
        guard let field = fields[key] else {
            Issue.record("\(what) lacks the documented field \"\(key)\"", sourceLocation: sourceLocation)
            continue
        }
        #expect(
            kind.matches(field),
            "\(what).\(key) is \(field), documented as \(kind)",
            sourceLocation: sourceLocation
        )
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
