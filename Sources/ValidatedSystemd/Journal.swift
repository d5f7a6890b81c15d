import CValidatedSystemd
import Foundation

/// Native journal protocol: sends entries with `sd_journal_sendv`.
public enum Journal {
    /// Sends one entry. Field names must already be valid (see ``JournalFieldName``).
    ///
    /// All `NAME=value` strings are copied into one contiguous buffer and addressed by `iovec`s into it.
    /// - Returns: `0` on success, a negative errno when journald could not be reached.
    @discardableResult
    public static func send(_ fields: [(name: String, value: String)]) -> Int32 {
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(fields.count)
        for (name, value) in fields {
            let start = buffer.count
            buffer.append(contentsOf: name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer.append(contentsOf: value.utf8)
            ranges.append(start..<buffer.count)
        }
        return buffer.withUnsafeMutableBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return -EINVAL }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}

/// Journal field names: journald silently drops fields whose names are not `[A-Z0-9_]`, at most 64 characters,
/// not starting with `_` or a digit. Metadata keys are mapped to valid names.
public enum JournalFieldName {
    /// Maps `key` to a valid field name: upper-cased, every other character becomes `_`, a leading `_` or digit
    /// gets the prefix `F_`, and the result is cut to 64 characters. `model.path` becomes `MODEL_PATH`.
    public static func sanitize(_ key: String) -> String {
        var name = String(
            key.uppercased().unicodeScalars.map { scalar -> Character in
                let v = scalar.value
                return (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39) || v == 0x5F ? Character(scalar) : "_"
            }
        )
        if name.isEmpty { name = "F_" }
        if let first = name.unicodeScalars.first, first == "_" || (first.value >= 0x30 && first.value <= 0x39) {
            name = "F_" + name
        }
        return String(name.prefix(64))
    }
}
