/// One key of a configuration section: its name, how a file's value is read into the configuration, and how the
/// configuration's value is written back.
struct SettingKey<Target>: Sendable {
    typealias Read = @Sendable (inout Target, ConfigurationParser.ValueReader) throws(ConfigurationError) -> Void

    /// The key as written in the file (`TopK`).
    let name: String
    /// Validates the value and stores it.
    let read: Read
    /// The value the configuration holds.
    let value: @Sendable (Target) -> SettingValue

    init(_ name: String, read: @escaping Read, value: @escaping @Sendable (Target) -> SettingValue) {
        self.name = name
        self.read = read
        self.value = value
    }

    /// A whole number in `range`.
    static func integer(
        _ name: String,
        _ path: any WritableKeyPath<Target, Int> & Sendable,
        in range: ClosedRange<Int>
    ) -> Self {
        Self(
            name,
            read: { target, value throws(ConfigurationError) in
                target[keyPath: path] = try value.int(in: range)
            },
            value: { .integer($0[keyPath: path]) }
        )
    }

    /// A real number in `range`; a trailing `s` (seconds) is allowed.
    static func number(
        _ name: String,
        _ path: any WritableKeyPath<Target, Double> & Sendable,
        in range: ClosedRange<Double>
    ) -> Self {
        Self(
            name,
            read: { target, value throws(ConfigurationError) in
                target[keyPath: path] = try value.double(in: range)
            },
            value: { .number($0[keyPath: path]) }
        )
    }

    /// A confidence in `[0, 1)`, 0 meaning off (`nil`).
    static func confidence(_ name: String, _ path: any WritableKeyPath<Target, Double?> & Sendable) -> Self {
        Self(
            name,
            read: { target, value throws(ConfigurationError) in
                let confidence = try value.double(in: 0...0.999999)
                target[keyPath: path] = confidence == 0 ? nil : confidence
            },
            value: { .number($0[keyPath: path] ?? 0) }
        )
    }

    /// `yes` or `no` (or true/false, on/off, 1/0).
    static func boolean(_ name: String, _ path: any WritableKeyPath<Target, Bool> & Sendable) -> Self {
        Self(
            name,
            read: { target, value throws(ConfigurationError) in target[keyPath: path] = try value.bool() },
            value: { .boolean($0[keyPath: path]) }
        )
    }

    /// One of an enumeration's raw values.
    static func choice<Choice: RawRepresentable<String> & CaseIterable & Sendable>(
        _ name: String,
        _ path: any WritableKeyPath<Target, Choice> & Sendable
    ) -> Self {
        Self(
            name,
            read: { target, value throws(ConfigurationError) in
                guard let choice = Choice(rawValue: value.entry.value) else {
                    let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
                    throw value.error("\"\(value.entry.value)\" is not one of \(names)")
                }
                target[keyPath: path] = choice
            },
            value: { .text($0[keyPath: path].rawValue) }
        )
    }

    /// A non-empty name.
    static func name(_ name: String, _ path: any WritableKeyPath<Target, String> & Sendable) -> Self {
        Self(
            name,
            read: { target, value throws(ConfigurationError) in target[keyPath: path] = try value.nonEmpty() },
            value: { .text($0[keyPath: path]) }
        )
    }

    /// A required path, resolved against the directory of the file that names it.
    static func path(_ name: String, _ path: any WritableKeyPath<Target, String> & Sendable) -> Self {
        Self(
            name,
            read: { target, value throws(ConfigurationError) in target[keyPath: path] = try value.path() },
            value: { .text($0[keyPath: path]) }
        )
    }

    /// The store: an SQLite path, or a PostgreSQL URL; any other URL is refused with the reason.
    static func storePath(_ name: String, _ path: any WritableKeyPath<Target, String> & Sendable) -> Self {
        Self(
            name,
            read: { target, value throws(ConfigurationError) in target[keyPath: path] = try value.storePath() },
            value: { .text($0[keyPath: path]) }
        )
    }

    /// An optional path; empty for none.
    static func optionalPath(_ name: String, _ path: any WritableKeyPath<Target, String?> & Sendable) -> Self {
        Self(
            name,
            read: { target, value throws(ConfigurationError) in
                target[keyPath: path] = value.entry.value.isEmpty ? nil : try value.path()
            },
            value: { $0[keyPath: path].map(SettingValue.text) ?? .unset }
        )
    }
}

/// A configuration section: its name and its keys, in the order the shipped files document them.
struct SettingSection<Target>: Sendable {
    /// The section's name, without brackets.
    let name: String
    /// Its keys.
    let keys: [SettingKey<Target>]

    init(_ name: String, _ keys: [SettingKey<Target>]) {
        self.name = name
        self.keys = keys
    }

    /// Applies one entry of this section to `target`.
    ///
    /// - Throws: ``ConfigurationError`` for an unknown key (suggesting a close one) or a bad value.
    func apply(_ reader: ConfigurationParser.ValueReader, to target: inout Target) throws(ConfigurationError) {
        let entry = reader.entry
        guard let key = keys.first(where: { $0.name == entry.key }) else {
            var reason = "unknown key \"\(entry.key)\" in [\(entry.section)]"
            if let guess = ConfigurationParser.closest(to: entry.key, in: keys.map(\.name)) {
                reason += "; did you mean \"\(guess)\"?"
            }
            throw ConfigurationError(source: reader.file.source, line: entry.line, reason: reason)
        }
        try key.read(&target, reader)
    }

    /// Every key with `target`'s value.
    func values(of target: Target) -> SectionValues {
        SectionValues(section: name, entries: keys.map { SectionValues.Entry(key: $0.name, value: $0.value(target)) })
    }
}
