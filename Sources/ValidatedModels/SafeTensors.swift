import Foundation

/// A parsed `.safetensors` container: the JSON header and the raw tensor bytes.
///
/// The container is 8 bytes of little-endian header length `N`, `N` bytes of JSON, then the data section.
/// Each header entry gives a tensor's `dtype`, `shape` and `data_offsets` (relative to the data section);
/// the optional `__metadata__` entry maps strings to strings.
public struct SafeTensors: Sendable {
    /// Limits that keep a hostile file from exhausting memory.
    public struct Limits: Sendable, Equatable {
        /// The largest JSON header accepted, in bytes (the reference implementation's limit is 100 MB).
        public var maxHeaderBytes: Int = 100 * 1024 * 1024
        /// The largest number of elements in one tensor.
        public var maxTensorElements: Int = 1 << 30
        /// The largest number of elements in all tensors together: a model is held as 64-bit floats, so the
        /// default, 2²⁸, is 2 GiB of weights.
        public var maxTotalElements: Int = 1 << 28

        /// Creates limits.
        public init(
            maxHeaderBytes: Int = 100 * 1024 * 1024,
            maxTensorElements: Int = 1 << 30,
            maxTotalElements: Int = 1 << 28
        ) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxTensorElements = maxTensorElements
            self.maxTotalElements = maxTotalElements
        }
    }

    /// A tensor's place in the data section.
    public struct TensorInfo: Sendable, Equatable {
        /// The element type, for example `F64`.
        public var dtype: String
        /// The dimensions, outermost first.
        public var shape: [Int]
        /// Byte range inside the data section.
        public var range: Range<Int>
    }

    /// The `__metadata__` map.
    public let metadata: [String: String]
    /// The tensors by name.
    public let tensors: [String: TensorInfo]
    private let data: [UInt8]
    private let dataStart: Int

    /// Parses a container from its bytes.
    ///
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - file: The file name used in error messages.
    ///   - limits: Size limits.
    /// - Throws: ``ModelError`` naming what is wrong: a truncated file, a header length beyond the file,
    ///   malformed JSON, bad dtypes or shapes, or offsets outside the data section or overlapping.
    public init(bytes: [UInt8], file: String, limits: Limits = Limits()) throws(ModelError) {
        func fail(_ reason: String) -> ModelError { ModelError(file: file, reason: reason) }
        guard bytes.count >= 8 else {
            throw fail("truncated: \(bytes.count) bytes, a safetensors file starts with an 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        // The length is the file's own bytes: not repeated in the message, which is stored and shown, so that a
        // link to a file that is not a checkpoint (say /etc/shadow) cannot leak its first bytes.
        guard headerLength <= UInt64(limits.maxHeaderBytes) else {
            throw fail(
                "not a safetensors file: its first 8 bytes, read as the header length, exceed the limit of "
                    + "\(limits.maxHeaderBytes) bytes"
            )
        }
        guard 8 + Int(headerLength) <= bytes.count else {
            throw fail(
                "not a safetensors file, or a truncated one: the header length in its first 8 bytes runs past the end "
                    + "of the file of \(bytes.count) bytes"
            )
        }
        let headerBytes = Data(bytes[8..<(8 + Int(headerLength))])
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: headerBytes, options: [])
        } catch {
            throw fail(
                "header is not valid JSON (\(Self.jsonProblem(error))); the file is damaged or not a safetensors file"
            )
        }
        guard let header = object as? [String: Any] else { throw fail("header is not a JSON object") }
        let dataStart = 8 + Int(headerLength)
        let dataLength = bytes.count - dataStart

        var metadata: [String: String] = [:]
        var tensors: [String: TensorInfo] = [:]
        var totalElements = 0
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, entry) in map {
                    guard let text = entry as? String else { throw fail("__metadata__[\"\(key)\"] is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw fail("tensor \"\(name)\" is not an object") }
            guard let dtype = entry["dtype"] as? String, let size = Self.elementSize(dtype) else {
                throw fail("tensor \"\(name)\": unsupported or missing dtype")
            }
            guard let rawShape = entry["shape"] as? [Any] else { throw fail("tensor \"\(name)\": missing shape") }
            var shape: [Int] = []
            var elements = 1
            for dimension in rawShape {
                guard let number = dimension as? NSNumber, let value = Int(exactly: number.doubleValue), value >= 0
                else { throw fail("tensor \"\(name)\": shape must be non-negative integers") }
                shape.append(value)
                let (product, overflow) = elements.multipliedReportingOverflow(by: value)
                guard !overflow, product <= limits.maxTensorElements else {
                    throw fail(
                        "tensor \"\(name)\": shape \(rawShape) is larger than \(limits.maxTensorElements) elements"
                    )
                }
                elements = product
            }
            guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2,
                let begin = (offsets[0] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }),
                let end = (offsets[1] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) })
            else { throw fail("tensor \"\(name)\": data_offsets must be two integers") }
            guard 0 <= begin, begin <= end, end <= dataLength else {
                throw fail(
                    "tensor \"\(name)\": data_offsets [\(begin), \(end)] lie outside the data section of \(dataLength) bytes (truncated file?)"
                )
            }
            guard end - begin == elements * size else {
                throw fail("tensor \"\(name)\": \(end - begin) bytes do not hold shape \(shape) of \(dtype)")
            }
            totalElements += elements
            guard totalElements <= limits.maxTotalElements else {
                throw fail(
                    "the tensors hold over \(limits.maxTotalElements) values in all, more than this daemon loads into memory"
                )
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, range: begin..<end)
        }
        let ordered = tensors.sorted { $0.value.range.lowerBound < $1.value.range.lowerBound }
        for (previous, next) in zip(ordered, ordered.dropFirst())
        where previous.value.range.upperBound > next.value.range.lowerBound {
            throw fail("tensors \"\(previous.key)\" and \"\(next.key)\" overlap in the data section")
        }
        self.metadata = metadata
        self.tensors = tensors
        self.data = bytes
        self.dataStart = dataStart
    }

    /// Reads a floating-point tensor as `Double`s, checking its shape and that every value is finite.
    ///
    /// - Parameters:
    ///   - name: The tensor's name.
    ///   - shape: The expected shape.
    ///   - file: The file name used in error messages.
    public func doubles(_ name: String, shape expected: [Int], file: String) throws(ModelError) -> [Double] {
        guard let info = tensors[name] else { throw ModelError(file: file, reason: "tensor \"\(name)\" is missing") }
        guard info.shape == expected else {
            throw ModelError(file: file, reason: "tensor \"\(name)\" has shape \(info.shape), expected \(expected)")
        }
        let base = dataStart + info.range.lowerBound
        let count = info.shape.reduce(1, *)
        var values = [Double](repeating: 0, count: count)
        switch info.dtype {
        case "F64":
            for i in 0..<count {
                var bits: UInt64 = 0
                for b in 0..<8 { bits |= UInt64(data[base + 8 * i + b]) << (8 * UInt64(b)) }
                values[i] = Double(bitPattern: bits)
            }
        case "F32":
            for i in 0..<count {
                var bits: UInt32 = 0
                for b in 0..<4 { bits |= UInt32(data[base + 4 * i + b]) << (8 * UInt32(b)) }
                values[i] = Double(Float(bitPattern: bits))
            }
        default:
            throw ModelError(
                file: file,
                reason: "tensor \"\(name)\" has dtype \(info.dtype); only F64 and F32 are supported"
            )
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ModelError(file: file, reason: "tensor \"\(name)\" holds a non-finite value at element \(bad)")
        }
        return values
    }

    /// The JSON parser's own account of what is wrong, such as "Too many nested arrays or dictionaries around
    /// character 513" or "Unexpected end of file".
    static func jsonProblem(_ error: any Error) -> String {
        let nsError = error as NSError
        let description = (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? "malformed"
        return description.hasSuffix(".") ? String(description.dropLast()) : description
    }

    private static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": 8
        case "F32", "I32", "U32": 4
        case "F16", "BF16", "I16", "U16": 2
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": 1
        default: nil
        }
    }
}
