import ArgumentParser
import Foundation
import ValidatedCore

/// Speed targets, each measured beside the reference it is compared with:
/// `swift run -c release validated-benchmarks auc` (and `lime`, `score`; `load`, `soak` for the daemon as a whole).
@main
struct Benchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validated-benchmarks",
        abstract: "Measure validated's hot paths against their targets and reference implementations.",
        subcommands: [
            AUCBenchmark.self, LimeBenchmark.self, CertifyBenchmark.self, ScoreBenchmark.self, LoadBenchmark.self,
            SoakBenchmark.self, FleetBenchmark.self,
        ]
    )
}

/// The paired DeLong comparison of two models on a million documents (target: under a second), beside R's pROC
/// on the same data when Rscript and pROC are installed.
struct AUCBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "auc")

    @Option(help: "Documents scored by both models.")
    var documents = 1_000_000

    @Option(help: "Timed repetitions; the best is reported.")
    var repetitions = 3

    @Flag(help: "Skip the pROC reference.")
    var noReference = false

    func run() throws {
        var generator = SeededGenerator(seed: 42)
        let positives = (0..<documents).map { _ in Double.random(in: 0..<1, using: &generator) < 0.3 }
        let challenger = positives.map { ($0 ? 0.4 : 0) + Double.random(in: 0..<1, using: &generator) }
        let champion = positives.map {
            ($0 ? 0.35 : 0) + (Double.random(in: 0..<1, using: &generator) * 1000).rounded() / 1000
        }
        var best = Double.infinity
        var result: PairedDeLongResult?
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            result = try AUC.pairedDeLong(challenger: challenger, champion: champion, positives: positives)
            best = min(best, seconds(ContinuousClock.now - start))
        }
        guard let result else { return }
        print(
            "paired DeLong, \(documents) documents (challenger AUC \(fixed(result.challenger.auc)), champion \(fixed(result.champion.auc)), z \(fixed(result.z)))"
        )
        print(String(format: "  validated   %8.3f s   (target < 1 s: %@)", best, best < 1 ? "met" : "MISSED"))
        guard !noReference else { return }
        if let reference = try timePROC(positives: positives, challenger: challenger, champion: champion) {
            print(
                String(
                    format: "  pROC        %8.3f s   (roc.test, method delong, same data)   ratio %.1fx",
                    reference,
                    reference / best
                )
            )
        } else {
            print("  pROC        not measured: install r-base-core and r-cran-proc")
        }
    }

    private func timePROC(positives: [Bool], challenger: [Double], champion: [Double]) throws -> Double? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/Rscript") else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("auc-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var csv = "label,s1,s2\n"
        for i in positives.indices { csv += "\(positives[i] ? 1 : 0),\(challenger[i]),\(champion[i])\n" }
        try csv.write(to: directory.appendingPathComponent("scores.csv"), atomically: true, encoding: .utf8)
        let script = """
            suppressMessages(library(pROC))
            d <- read.csv("\(directory.path)/scores.csv")
            t <- system.time({
              r1 <- roc(d$label, d$s1, direction = "<", levels = c(0, 1), quiet = TRUE)
              r2 <- roc(d$label, d$s2, direction = "<", levels = c(0, 1), quiet = TRUE)
              roc.test(r1, r2, method = "delong", paired = TRUE)
            })
            cat(t[["elapsed"]])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/Rscript")
        process.arguments = ["-e", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? Double(String(decoding: output, as: UTF8.self)) : nil
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func fixed(_ value: Double) -> String { String(format: "%.4f", value) }
}
