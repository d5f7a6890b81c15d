import Foundation
import ValidatedModels

/// The reference scorers `scripts/install.sh` installs beside the binaries, in `PREFIX/lib/validated` for
/// `PREFIX/bin/validated` and `PREFIX/bin/validatectl`: `onnx_scorer.py` serves `.onnx` files and `hf_scorer.py`
/// Hugging Face `save_pretrained` folders whenever a folder's `[Scorer]` (or `validatectl --scorer`) names no
/// other command for them. Found relative to the running executable only, so a build tree uses none.
public enum ReferenceScorers {
    /// `PREFIX/lib/validated` for the running executable `PREFIX/bin/NAME`.
    public static var directory: String {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let prefix = URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent()
        return prefix.appendingPathComponent("lib/validated").path
    }

    /// The installed reference scorers' command lines by extension (`folder` for checkpoint folders).
    public static var commands: [String: [String]] {
        var commands: [String: [String]] = [:]
        for (key, script) in [("onnx", "onnx_scorer.py"), (ModelLoader.folderScorer, "hf_scorer.py")] {
            let path = "\(directory)/\(script)"
            if FileManager.default.fileExists(atPath: path) { commands[key] = ["python3", path] }
        }
        return commands
    }

    /// `folder` with the installed reference scorers added where its `[Scorer]` names none, and `.onnx` added to
    /// its extensions when it lists none itself (`explicitExtensions`) and the ONNX scorer is installed.
    public static func complete(_ folder: FolderConfiguration, explicitExtensions: Bool) -> FolderConfiguration {
        var folder = folder
        let installed = commands
        if !explicitExtensions, installed["onnx"] != nil, !folder.extensions.contains("onnx") {
            folder.extensions.append("onnx")
        }
        let served = Set(folder.extensions.map { $0.lowercased() } + [ModelLoader.folderScorer])
        folder.scorer.commands.merge(installed.filter { served.contains($0.key) }) { configured, _ in configured }
        return folder
    }
}
