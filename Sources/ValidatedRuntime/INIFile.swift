/// A systemd-style configuration file: `[Section]` headers, `Key=Value` lines, `#` and `;` comments.
///
/// Parsing is pure: text in, entries with their line numbers out, so errors can name `file:line`.
public struct INIFile: Sendable, Equatable {
    /// One `Key=Value` assignment.
    public struct Entry: Sendable, Equatable {
        /// The section it belongs to, without brackets.
        public var section: String
        /// The key, as written.
        public var key: String
        /// The value, with surrounding whitespace removed.
        public var value: String
        /// The 1-based line number.
        public var line: Int
    }

    /// The file name used in error messages.
    public var source: String
    /// The assignments, in file order.
    public var entries: [Entry]
    /// The sections, in file order (including empty ones).
    public var sections: [String]

    /// Parses `text`.
    ///
    /// - Throws: ``ConfigurationError`` naming the line of a malformed section header, a line without `=`,
    ///   or an assignment before the first section.
    public init(parsing text: String, source: String) throws(ConfigurationError) {
        self.source = source
        var entries: [Entry] = []
        var sections: [String] = []
        var current: String?
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = offset + 1
            let trimmed = rawLine.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
                    throw ConfigurationError(
                        source: source,
                        line: line,
                        reason: "malformed section header \"\(trimmed)\"; write it as [Name]"
                    )
                }
                let name = String(trimmed.dropFirst().dropLast())
                current = name
                sections.append(name)
                continue
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw ConfigurationError(source: source, line: line, reason: "expected Key=Value, found \"\(trimmed)\"")
            }
            guard let section = current else {
                throw ConfigurationError(source: source, line: line, reason: "assignment outside of any [Section]")
            }
            let key = trimmed[..<equals].trimmingWhitespace()
            let value = trimmed[trimmed.index(after: equals)...].trimmingWhitespace()
            guard !key.isEmpty else {
                throw ConfigurationError(source: source, line: line, reason: "missing key before \"=\"")
            }
            entries.append(Entry(section: section, key: key, value: value, line: line))
        }
        self.entries = entries
        self.sections = sections
    }
}

/// A configuration that cannot be used, with the file, line and reason.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file.
    public var source: String
    /// The 1-based line, when the problem is on one line.
    public var line: Int?
    /// What is wrong and how to fix it.
    public var reason: String

    /// Creates an error.
    public init(source: String, line: Int? = nil, reason: String) {
        self.source = source
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(source):\(line): \(reason)" }
        return "\(source): \(reason)"
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
