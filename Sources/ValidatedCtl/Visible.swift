import Foundation
import ValidatedCore
import ValidatedStore

/// Text as a terminal should show it: control characters written out as `\x1b`, `\n`, `\u{202e}` (as
/// systemctl and journalctl do), so that a checkpoint's name or an evaluation text cannot clear the screen,
/// move the cursor, set the window title or forge a line of output. JSON output is never passed through it.
enum Visible {
    /// `text` with every control character (C0, DEL, C1), line separator and bidirectional override written
    /// out as an escape.
    static func text(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isHidden) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard isHidden(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                out +=
                    scalar.value < 0x100
                    ? String(format: "\\x%02x", scalar.value) : String(format: "\\u{%04x}", scalar.value)
            }
        }
        return out
    }

    private static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    static func model(_ model: ModelRecord) -> ModelRecord {
        var model = model
        model.path = text(model.path)
        model.folder = text(model.folder)
        return model
    }

    /// The run with its model, summary and stored report made visible.
    static func run(_ run: RunRecord) -> RunRecord {
        var run = run
        run.model = model(run.model)
        run.summary = run.summary.map(text)
        run.reportJSON = run.reportJSON.map(json)
        return run
    }

    static func explanation(_ explanation: Explanation) -> Explanation {
        var explanation = explanation
        explanation.documentID = text(explanation.documentID)
        explanation.weights = explanation.weights.map { FeatureWeight(feature: text($0.feature), weight: $0.weight) }
        return explanation
    }

    static func check(_ check: CheckRecord) -> CheckRecord {
        var check = check
        check.summary = text(check.summary)
        return check
    }

    static func snapshot(_ snapshot: StatusSnapshot) -> StatusSnapshot {
        var snapshot = snapshot
        snapshot.daemons = snapshot.daemons.map { heartbeat in
            var heartbeat = heartbeat
            heartbeat.host = text(heartbeat.host)
            heartbeat.status = text(heartbeat.status)
            heartbeat.folders = heartbeat.folders.map(text)
            return heartbeat
        }
        snapshot.champions = snapshot.champions.map { champion in
            var champion = champion
            champion.model = model(champion.model)
            champion.folder = text(champion.folder)
            return champion
        }
        snapshot.recent = snapshot.recent.map(run)
        return snapshot
    }

    /// A JSON document with every string in it made visible, for rendering as text; unchanged when it does not
    /// parse.
    static func json(_ document: String) -> String {
        guard document.unicodeScalars.contains(where: { $0 == "\\" || isHidden($0) }),
            let value = JSONValue(parsing: document),
            let data = try? JSONEncoder().encode(visible(value))
        else { return document }
        return String(decoding: data, as: UTF8.self)
    }

    private static func visible(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let string): .string(text(string))
        case .array(let values): .array(values.map(visible))
        case .object(let fields): .object(fields.mapValues(visible))
        case .null, .bool, .number: value
        }
    }
}
