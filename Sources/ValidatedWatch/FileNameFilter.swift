/// Which file names in a watched folder are checkpoints.
///
/// Hidden files (a leading `.`) and temporary names (`*.tmp`, `*.part`, `*.partial`, `*.swp`, `*.crdownload`,
/// `*~`) are never checkpoints, so a producer can write `.name.part` and rename it when complete; the same holds
/// for checkpoint folders (``acceptsFolder(_:)``).
public struct FileNameFilter: Sendable, Equatable {
    /// Accepted extensions without the dot, for example `["safetensors"]`; empty accepts any other name.
    public var extensions: [String]

    static let temporarySuffixes = [".tmp", ".part", ".partial", ".swp", ".crdownload", "~"]

    /// Creates a filter.
    public init(extensions: [String]) {
        self.extensions = extensions
    }

    /// Whether `name`, the name of a folder, is a checkpoint folder: any name but hidden and temporary ones
    /// (`.name.part`), whatever the extensions.
    public func acceptsFolder(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !Self.temporarySuffixes.contains { name.hasSuffix($0) }
    }

    /// Whether `name` (a file name, not a path) is a checkpoint.
    public func accepts(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix(".") else { return false }
        if Self.temporarySuffixes.contains(where: { name.hasSuffix($0) }) { return false }
        return extensions.isEmpty || extensions.contains { name.hasSuffix("." + $0) && name.count > $0.count + 1 }
    }
}
