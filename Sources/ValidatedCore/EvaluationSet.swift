import Foundation

/// Field names and the positive label of an evaluation set.
public struct EvaluationFields: Sendable, Equatable {
    /// The field holding the document text. Default `text`.
    public var text: String
    /// The field holding the label. Default `label`.
    public var label: String
    /// The field holding a document id; documents without one are named `line-N`. Default `id`.
    public var id: String
    /// The label value of the positive class, compared as a string. Default `1`.
    public var positiveLabel: String

    /// Creates field names.
    public init(text: String = "text", label: String = "label", id: String = "id", positiveLabel: String = "1") {
        self.text = text
        self.label = label
        self.id = id
        self.positiveLabel = positiveLabel
    }
}

/// One document of an evaluation set.
public struct LabeledDocument: Sendable, Equatable, Codable {
    /// The document's id.
    public var id: String
    /// The text.
    public var text: String
    /// Whether its label is the positive one.
    public var isPositive: Bool
    /// Its label as written in the evaluation set (compared as a string with the model's classes).
    public var label: String

    /// Creates a document; `label` defaults to `"1"` for positive and `"0"` for negative documents.
    public init(id: String, text: String, isPositive: Bool, label: String? = nil) {
        self.id = id
        self.text = text
        self.isPositive = isPositive
        self.label = label ?? (isPositive ? "1" : "0")
    }
}

/// The labelled documents every checkpoint of a folder is judged on.
public struct EvaluationSet: Sendable, Equatable {
    /// The documents, in file order.
    public var documents: [LabeledDocument]

    /// Creates a set from documents.
    public init(documents: [LabeledDocument]) {
        self.documents = documents
    }

    /// Whether the set has more than two labels: its AUC is then one-vs-rest per class, and a champion's stored
    /// positive-class scores do not serve.
    public var isMultiClass: Bool { Set(documents.map(\.label)).count > 2 }

    /// Parses JSON Lines: one object per line with a string text field and a label (string, number or boolean).
    ///
    /// Blank lines and a leading byte-order mark are skipped. A label is compared, as a string, with
    /// ``EvaluationFields/positiveLabel``: `1` and `1.0` read as `"1"`, `true` as `"true"`. A document without an
    /// id is named `line-N`; ids must be unique, because reports name documents by id.
    /// - Throws: ``EvaluationSetError`` naming the file, the line and what is wrong with it.
    public static func parse(
        jsonLines bytes: [UInt8],
        source: String,
        fields: EvaluationFields
    ) throws(EvaluationSetError) -> EvaluationSet {
        var documents: [LabeledDocument] = []
        var lineOfID: [String: Int] = [:]
        var lineNumber = 0
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let example = "{\"\(fields.text)\": \"…\", \"\(fields.label)\": \"\(fields.positiveLabel)\"}"
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNumber += 1
            defer { start = end + 1 }
            let line = bytes[start..<end]
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            func fail(_ reason: String) -> EvaluationSetError {
                EvaluationSetError(source: source, line: lineNumber, reason: reason)
            }
            guard String(validating: line, as: UTF8.self) != nil else {
                throw fail("not valid UTF-8; save the file as UTF-8")
            }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(line), options: [])
            } catch {
                throw fail("not valid JSON; each line must be one JSON object, such as \(example)")
            }
            guard let record = object as? [String: Any] else {
                throw fail("not a JSON object; each line must be one JSON object, such as \(example)")
            }
            guard let text = record[fields.text] as? String else {
                throw fail(
                    "field \"\(fields.text)\" is missing or not a string; set TextField= if the text is elsewhere"
                )
            }
            guard let rawLabel = record[fields.label], let label = Self.labelString(rawLabel) else {
                throw fail(
                    "field \"\(fields.label)\" is missing or not a string, number or boolean; set LabelField= if the label is elsewhere"
                )
            }
            let id = (record[fields.id]).flatMap(Self.labelString) ?? "line-\(lineNumber)"
            if let earlier = lineOfID.updateValue(lineNumber, forKey: id) {
                throw fail(
                    "id \"\(id)\" is already used on line \(earlier); reports name documents by id, so make ids unique"
                )
            }
            documents.append(
                LabeledDocument(id: id, text: text, isPositive: label == fields.positiveLabel, label: label)
            )
        }
        guard !documents.isEmpty else {
            throw EvaluationSetError(source: source, line: nil, reason: "holds no documents")
        }
        let positives = documents.count { $0.isPositive }
        guard positives > 0, positives < documents.count else {
            throw EvaluationSetError(
                source: source,
                line: nil,
                reason:
                    "has \(positives) documents labelled \"\(fields.positiveLabel)\" and \(documents.count - positives) others; AUC needs both classes (check PositiveLabel=)"
            )
        }
        return EvaluationSet(documents: documents)
    }

    private static func labelString(_ value: Any) -> String? {
        switch value {
        case let string as String: return string
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c", "B": return number.boolValue ? "true" : "false"
            case "d", "f": return Int(exactly: number.doubleValue).map(String.init) ?? "\(number.doubleValue)"
            default: return number.stringValue
            }
        default: return nil
        }
    }
}

/// An evaluation set that cannot be used.
public struct EvaluationSetError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file.
    public var source: String
    /// The 1-based line, when the problem is on one line.
    public var line: Int?
    /// What is wrong.
    public var reason: String

    public var description: String {
        line.map { "\(source):\($0): \(reason)" } ?? "\(source): \(reason)"
    }
}
