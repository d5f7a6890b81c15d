import Foundation

/// The reference scorers `scripts/install.sh` installs beside the binaries (`PREFIX/lib/validated` for
/// `PREFIX/bin/validatectl`), which serve `.onnx` files and Hugging Face folders when nothing else is
/// configured for them.
enum ReferenceScorers {
    /// The directories searched, in order: beside this executable's prefix, then the usual prefixes.
    static var directories: [String] {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let executable = URL(fileURLWithPath: path)
        let prefix = executable.deletingLastPathComponent().deletingLastPathComponent()
        return [prefix.appendingPathComponent("lib/validated").path, "/usr/local/lib/validated", "/usr/lib/validated"]
    }

    /// The command lines by extension (`folder` for checkpoint folders) of the reference scorers found installed.
    static var commands: [String: [String]] {
        var commands: [String: [String]] = [:]
        for (key, script) in [("onnx", "onnx_scorer.py"), ("folder", "hf_scorer.py")] {
            let found = directories.map { "\($0)/\(script)" }.first { FileManager.default.fileExists(atPath: $0) }
            if let found { commands[key] = ["python3", found] }
        }
        return commands
    }
}
