/// A configuration key's value, typed as its setting: what `validatectl config check` prints, in text as a
/// configuration file writes it and in JSON as its type.
public enum SettingValue: Sendable, Equatable, Encodable {
    /// A whole number.
    case integer(Int)
    /// A real number.
    case number(Double)
    /// `yes` or `no`; a JSON boolean.
    case boolean(Bool)
    /// Text: a path, a name, an expression.
    case text(String)
    /// Words separated by spaces; a JSON array of strings.
    case list([String])
    /// An optional setting left empty (`BatchSize=`); JSON null.
    case unset
    /// A repeatable key's values, one assignment each (`Command=`); a JSON array of strings.
    case repeated([String])

    /// The values as a configuration file writes them after `Key=`: one per assignment.
    public var written: [String] {
        switch self {
        case .integer(let value): ["\(value)"]
        case .number(let value): [Self.isWhole(value) ? String(Int64(value)) : String(value)]
        case .boolean(let value): [value ? "yes" : "no"]
        case .text(let value): [value]
        case .list(let values): [values.joined(separator: " ")]
        case .unset: [""]
        case .repeated(let values): values
        }
    }

    /// Encodes the value as its JSON type; whole real numbers print without a fraction, as in the file.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .integer(let value): try container.encode(value)
        case .number(let value): Self.isWhole(value) ? try container.encode(Int64(value)) : try container.encode(value)
        case .boolean(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .list(let values), .repeated(let values): try container.encode(values)
        case .unset: try container.encodeNil()
        }
    }

    private static func isWhole(_ value: Double) -> Bool {
        value.rounded() == value && abs(value) < 1e15
    }
}

/// One configuration section's keys with their values, in the order the shipped files document them.
public struct SectionValues: Sendable, Equatable {
    /// One key and its value.
    public struct Entry: Sendable, Equatable {
        /// The key, as written in the file (`TopK`).
        public var key: String
        /// Its value.
        public var value: SettingValue

        /// Creates an entry.
        public init(key: String, value: SettingValue) {
            self.key = key
            self.value = value
        }
    }

    /// The section's name, without brackets (`Spurious`).
    public var section: String
    /// Every key of the section.
    public var entries: [Entry]
}
