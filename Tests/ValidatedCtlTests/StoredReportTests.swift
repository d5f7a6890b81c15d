import Foundation
import Testing
import ValidatedCore
import ValidatedCtl
import ValidatedTestSupport

/// The typed report model reads every key of the reports the daemon stores: `show`, `report` and `history` read
/// it, so a key renamed or dropped in the model would leave stored reports half read.
@Suite struct StoredReportTests {
    @Test(arguments: ["artefact.json", "clean-first-champion.json", "error.json"])
    func everyStoredKeyIsReadBackByTheTypedModel(fixture: String) throws {
        let data = try Data(contentsOf: Fixtures.url("reports/" + fixture))
        let report = try JSONDecoder().decode(ValidationReport.self, from: data)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let stored = try JSONValue.parse(String(decoding: data, as: UTF8.self))
        let readBack = try JSONValue.parse(String(decoding: try encoder.encode(report), as: UTF8.self))
        let lost = Self.missing(stored, in: readBack, at: "report")
        #expect(lost.isEmpty, "stored keys the typed model does not read back: \(lost.prefix(10))")
    }

    @Test func theCheckRejectsAStoredKeyTheModelDoesNotRead() throws {
        let stored = try JSONValue.parse(#"{"checks": {"auc": {"auc": 0.9, "p_value_one_sided": 0.2}}}"#)
        let readBack = try JSONValue.parse(#"{"checks": {"auc": {"auc": 0.9, "p_value": 0.2}}}"#)
        #expect(Self.missing(stored, in: readBack, at: "report") == ["report.checks.auc.p_value_one_sided"])
    }

    /// The paths of `stored` whose value `readBack` lacks or holds differently; keys only `readBack` has are
    /// allowed (a newer model may add keys).
    static func missing(_ stored: JSONValue, in readBack: JSONValue?, at path: String) -> [String] {
        switch (stored, readBack) {
        case (.object(let fields), .object(let other)?):
            return fields.keys.sorted().flatMap { key in missing(fields[key]!, in: other[key], at: path + "." + key) }
        case (.array(let values), .array(let other)?) where values.count == other.count:
            return zip(values, other).enumerated().flatMap { index, pair in
                missing(pair.0, in: pair.1, at: "\(path)[\(index)]")
            }
        default:
            return stored == readBack ? [] : [path]
        }
    }
}
