import Foundation
import ValidatedCore

extension DaemonConfiguration {
    /// Reads the main file, its drop-ins (`<main>.d/*.conf`, in name order) and every `folders.d/*.conf`.
    ///
    /// - Parameters:
    ///   - given: The main file.
    ///   - requireFolders: Whether a configuration without a watched folder is an error, as it is for the
    ///     daemon; `validatectl validate` also takes a file that only holds suite settings.
    /// - Throws: ``ConfigurationError`` with the file, line and reason of the first problem.
    public static func load(
        mainFile given: String,
        requireFolders: Bool = true
    ) throws(ConfigurationError) -> DaemonConfiguration {
        let mainFile = Paths.absolute(given)
        var config = DaemonConfiguration(mainFile: mainFile)
        let main = try INIFile(parsing: try read(mainFile), source: mainFile)
        try ConfigurationParser.applyMain(main, to: &config)
        config.sources.append(mainFile)
        for dropIn in try confFiles(in: mainFile + ".d", required: false) {
            let file = try INIFile(parsing: try read(dropIn), source: dropIn)
            try ConfigurationParser.applyMain(file, to: &config)
            config.sources.append(dropIn)
        }
        var seenPaths: [String: String] = [:]
        for folderFile in try confFiles(in: config.foldersDirectory, required: false) {
            let file = try INIFile(parsing: try read(folderFile), source: folderFile)
            let folder = try ConfigurationParser.folder(file, defaults: config)
            if let other = seenPaths[folder.path] {
                throw ConfigurationError(
                    source: folderFile,
                    reason: "Path=\(folder.path) is already watched by \(other)"
                )
            }
            seenPaths[folder.path] = folderFile
            config.folders.append(folder)
            config.sources.append(folderFile)
        }
        guard !config.folders.isEmpty || !requireFolders else {
            throw ConfigurationError(
                source: mainFile,
                reason: "no watched folders: add a file with a [Folder] section to \(config.foldersDirectory)/"
            )
        }
        return config
    }

    private static func read(_ path: String) throws(ConfigurationError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(source: path, reason: "cannot be read; check that it exists and is readable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(source: path, reason: "is not valid UTF-8")
        }
        return text
    }

    private static func confFiles(in directory: String, required: Bool) throws(ConfigurationError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            if required { throw ConfigurationError(source: directory, reason: "is not a directory") }
            return []
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".conf") && !$0.hasPrefix(".") }.sorted().map { directory + "/" + $0 }
    }
}

extension FolderConfiguration {
    /// A fingerprint of everything in this folder's configuration that can change a verdict.
    public var fingerprint: String {
        var parts = ["\(settings)", "\(fields)", bannedTokens ?? "-", evaluationSet, "\(autoPromote)"]
        // Only folders with scorers fingerprint them, so the fingerprints of folders without stay as they were.
        if !scorer.commands.isEmpty { parts.append("\(scorer.byExtension.sorted { $0.key < $1.key })") }
        let canonical = parts.joined(separator: "\u{1F}")
        return SHA256.hex(SHA256.hash(Array(canonical.utf8)))
    }
}
