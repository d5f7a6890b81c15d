import Foundation
import ValidatedCore
import ValidatedStore

/// `validatectl validate --junit FILE`: the gate's verdict as JUnit XML, as Jenkins, GitLab and GitHub read it
/// (Jenkins' junit-10.xsd; the attributes the Ant schema requires are there too).
///
/// Each suite is one `<testsuite>` holding one `<testcase>`, so that the suite's numbers travel with it as the
/// `<testsuite>`'s properties (the schemas allow properties there, not in a test case). A failed suite's
/// `<failure>` message is its summary; a suite that measured nothing is `<skipped>`; a passed or warning suite's
/// summary is in its `<system-out>`. A model that could not be evaluated is one test case with an `<error>`.
struct JUnitReport {
    /// One check as a test case.
    struct Case {
        var name: String
        var verdict: Verdict
        var summary: String
        var seconds: Double
        /// The check's numbers, by dotted name (`delta_ci.0`).
        var properties: [(String, String)]
    }

    var model: String
    var sha256: String?
    var cases: [Case]
    var finishedAt: Date
    var hostname = ProcessInfo.processInfo.hostName

    init(model: String, sha256: String?, report: ValidationReport, checks: [CheckRecord], finishedAt: Date) {
        self.model = model
        self.sha256 = sha256
        self.finishedAt = finishedAt
        if report.verdict == .error || checks.isEmpty {
            cases = [Case(name: "evaluate", verdict: .error, summary: report.summary, seconds: 0, properties: [])]
        } else {
            cases = checks.map { check in
                let metrics = JSONValue(parsing: check.metricsJSON) ?? .null
                return Case(
                    name: check.suite.rawValue,
                    verdict: check.verdict,
                    summary: check.summary,
                    seconds: metrics["seconds"]?.number ?? 0,
                    properties: Self.numbers(metrics, prefix: "")
                )
            }
        }
    }

    /// Every number in `value`, depth first, named by its path (objects by key, arrays by index).
    static func numbers(_ value: JSONValue, prefix: String) -> [(String, String)] {
        func name(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }
        switch value {
        case .number(let number):
            let whole = number.rounded() == number && abs(number) < 1e15
            return [(prefix, whole ? "\(Int64(number))" : "\(number)")]
        case .object(let fields):
            return fields.keys.sorted().flatMap { numbers(fields[$0]!, prefix: name($0)) }
        case .array(let values):
            // Numbers in short lists (intervals); lists of records (examples, pairs) are not numbers of the check.
            guard values.count <= 4, values.allSatisfy({ $0.number != nil }) else { return [] }
            return values.enumerated().flatMap { numbers($0.element, prefix: name("\($0.offset)")) }
        case .null, .bool, .string: return []
        }
    }

    func xml() -> String {
        let timestamp = ISO8601DateFormatter.string(
            from: finishedAt,
            timeZone: TimeZone(identifier: "UTC")!,
            formatOptions: [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
        )
        let failures = cases.filter { $0.verdict == .fail }.count
        let errors = cases.filter { $0.verdict == .error }.count
        let skipped = cases.filter { $0.verdict == .skipped }.count
        let total = cases.map(\.seconds).reduce(0, +)
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"validatectl validate\" tests=\"\(cases.count)\" failures=\"\(failures)\" "
        out += "errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(Self.seconds(total))\">\n"
        for (index, testCase) in cases.enumerated() {
            out += suite(testCase, id: index, timestamp: timestamp)
        }
        return out + "</testsuites>\n"
    }

    private func suite(_ testCase: Case, id: Int, timestamp: String) -> String {
        let fileName = Format.fileName(model)
        let count = { (verdict: Verdict) in testCase.verdict == verdict ? 1 : 0 }
        var out = "  <testsuite name=\"\(attribute("\(fileName): \(testCase.name)"))\" tests=\"1\" "
        out += "failures=\"\(count(.fail))\" errors=\"\(count(.error))\" skipped=\"\(count(.skipped))\" "
        out += "time=\"\(Self.seconds(testCase.seconds))\" timestamp=\"\(timestamp)\" "
        out += "hostname=\"\(attribute(hostname))\" id=\"\(id)\" package=\"validated\">\n"
        out += "    <properties>\n"
        let identity =
            [("model", model), ("verdict", testCase.verdict.rawValue)] + (sha256.map { [("sha256", $0)] } ?? [])
        for (name, value) in identity + testCase.properties {
            out += "      <property name=\"\(attribute(name))\" value=\"\(attribute(value))\"/>\n"
        }
        out += "    </properties>\n"
        out += "    <testcase name=\"\(attribute(testCase.name))\" classname=\"validated.\(attribute(fileName))\" "
        out += "time=\"\(Self.seconds(testCase.seconds))\""
        let message = attribute(testCase.summary)
        let body = text(testCase.summary)
        switch testCase.verdict {
        case .fail: out += ">\n      <failure message=\"\(message)\" type=\"fail\">\(body)</failure>\n    </testcase>\n"
        case .error: out += ">\n      <error message=\"\(message)\" type=\"error\">\(body)</error>\n    </testcase>\n"
        case .skipped: out += ">\n      <skipped message=\"\(message)\"/>\n    </testcase>\n"
        case .pass, .warn: out += "/>\n"
        }
        let passed = testCase.verdict == .pass || testCase.verdict == .warn
        let said = passed ? "\(testCase.verdict.rawValue): \(testCase.summary)" : ""
        out += "    <system-out>\(text(said))</system-out>\n    <system-err></system-err>\n"
        return out + "  </testsuite>\n"
    }

    private static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    /// Text for XML character data: markup escaped, and characters XML 1.0 cannot hold written as `\xNN`.
    private func text(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Text for an attribute value in double quotes; line breaks kept as character references.
    private func attribute(_ value: String) -> String {
        text(value).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\n", with: "&#10;")
            .replacingOccurrences(of: "\t", with: "&#9;").replacingOccurrences(of: "\r", with: "&#13;")
    }
}
