import Foundation
import Testing
import ValidatedCore
import ValidatedCtl
import ValidatedTestSupport

/// `validatectl validate --report --junit`: what a CI job attaches to its build, and the wording of its lines.
@Suite(.timeLimit(.minutes(5))) struct GateFilesTests {
    /// The demo's small settings, with a stability suite that measures nothing.
    static func configuration(_ directory: TemporaryDirectory) throws -> String {
        let layout = try DemoStore.writeConfiguration(root: directory.path)
        let text = try String(contentsOfFile: layout.config, encoding: .utf8)
        try text.replacingOccurrences(of: "[Stability]\nDocuments=2", with: "[Stability]\nDocuments=0")
            .write(toFile: layout.config, atomically: true, encoding: .utf8)
        return layout.config
    }

    @Test func validateWritesTheReportPageAndJUnitWithEveryCheck() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let demo = DemoStore.demo
        let page = directory.path + "/gate.html"
        let junit = directory.path + "/gate.xml"
        let arguments = [
            "validate", demo + "/checkpoints/02-artefact.safetensors", "--eval", demo + "/eval.jsonl",
            "--banned", demo + "/banned-tokens.txt", "--champion", demo + "/checkpoints/01-clean.safetensors",
            "--config", try Self.configuration(directory), "--database", directory.path + "/none.sqlite",
        ]
        let result = try await validatectl(arguments + ["--report", page, "--junit", junit])
        #expect(result.code == 1, "the artefact fails: \(result.stdout)\(result.stderr)")
        // The AUC line: two-sided p, direction and interval.
        let aucLine = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("  auc") })
        let wording =
            #/AUC \d\.\d{3} vs champion \d\.\d{3}, Δ [+-]\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\], (better|worse|no significant difference) \(p (<|=) \d\.\d{3}\)/#
        #expect(aucLine.contains(wording), "\(aucLine)")
        #expect(!aucLine.contains("p=1.000"))
        #expect(result.stdout.contains(#/  stability +skipped stability not measured/#), "\(result.stdout)")

        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(html.contains("<span class=\"badge\">FAIL</span>"))
        #expect(html.contains("<polyline class=\"curve c0\""), "the challenger's ROC curve")
        #expect(html.contains("<polyline class=\"curve c1\""), "the champion's ROC curve")
        #expect(html.contains("<td class=\"skipped\">skipped</td>"))
        #expect(html.contains("Skipped: stability not measured"))
        #expect(html.contains("Written by validatectl validate"))
        #expect(!html.lowercased().contains("<script"))

        let checks = try JUnitShape.check(junit)
        #expect(checks.map(\.name).sorted() == ["auc", "counterfactual", "spurious", "stability"])
        let spurious = try #require(checks.first { $0.name == "spurious" })
        #expect(spurious.outcome == "failure")
        #expect(spurious.message?.contains("nntp") == true, "the failure message is the check's summary")
        #expect(checks.first { $0.name == "stability" }?.outcome == "skipped")
        let auc = try #require(checks.first { $0.name == "auc" })
        #expect(auc.outcome == "passed")
        for name in ["auc", "champion_auc", "delta", "delta_ci.0", "delta_ci.1", "p_value_two_sided", "n_pos"] {
            #expect(auc.properties[name].flatMap(Double.init) != nil, "auc property \(name): \(auc.properties)")
        }

        // The JSON says skipped too.
        let json = try JSONValue.parse(try await validatectl(arguments + ["--json"]).stdout)
        #expect(json["checks"]?["stability"]?["verdict"]?.string == "skipped")
        #expect(json["verdict"]?.string == "fail")
    }
}

/// The JUnit XML's structure as Jenkins' junit-10.xsd and the Ant schema define it, checked with Python's XML
/// parser: the test cases with their outcome, failure message and properties.
enum JUnitShape {
    struct Case: Decodable {
        var name: String
        var outcome: String
        var message: String?
        var properties: [String: String]
    }

    static let checker = #"""
        import json, sys, xml.etree.ElementTree as ET
        root = ET.parse(sys.argv[1]).getroot()
        problems, cases = [], []
        def need(element, names):
            for name in names:
                if name not in element.attrib:
                    problems.append(f"<{element.tag}> lacks {name}")
        if root.tag != "testsuites":
            problems.append(f"root is <{root.tag}>")
        need(root, ["tests", "failures", "errors"])
        for suite in root:
            if suite.tag != "testsuite":
                problems.append(f"<{suite.tag}> inside <testsuites>")
                continue
            need(suite, ["name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname", "id", "package"])
            order = {"properties": 0, "testcase": 1, "system-out": 2, "system-err": 3}
            tags = [child.tag for child in suite]
            if any(tag not in order for tag in tags) or tags != sorted(tags, key=order.get):
                problems.append(f"testsuite children {tags}")
            properties = {}
            for prop in suite.findall("properties/property"):
                need(prop, ["name", "value"])
                properties[prop.get("name")] = prop.get("value")
            cases_here = suite.findall("testcase")
            counts = {"failure": 0, "error": 0, "skipped": 0}
            for case in cases_here:
                need(case, ["name", "classname", "time"])
                float(case.get("time"))
                outcome, message = "passed", None
                for child in case:
                    if child.tag not in ("failure", "error", "skipped", "system-out", "system-err"):
                        problems.append(f"<{child.tag}> in a testcase")
                    if child.tag in counts:
                        outcome, message = child.tag, child.get("message")
                        counts[child.tag] += 1
                cases.append({"name": case.get("name"), "outcome": outcome, "message": message,
                              "properties": properties})
            if int(suite.get("tests")) != len(cases_here) or int(suite.get("failures")) != counts["failure"] \
                    or int(suite.get("errors")) != counts["error"] or int(suite.get("skipped")) != counts["skipped"]:
                problems.append(f"the counts of {suite.get('name')} do not match its test cases")
        if int(root.get("tests")) != len(cases):
            problems.append("testsuites tests does not match")
        print(json.dumps({"problems": problems, "cases": cases}))
        """#

    /// The test cases of the JUnit file at `path`; any departure from the schema is a recorded issue.
    static func check(_ path: String) throws -> [Case] {
        struct Result: Decodable {
            var problems: [String]
            var cases: [Case]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", checker, path]
        let output = Pipe.closedOnExec()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let result = try JSONDecoder().decode(Result.self, from: data)
        #expect(result.problems.isEmpty, "\(result.problems)")
        return result.cases
    }
}
