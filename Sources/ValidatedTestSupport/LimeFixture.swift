import Foundation

/// The reference `lime` package's outputs (`Tests/Fixtures/lime/reference.json`, written by
/// `scripts/lime_reference.py fixture`), read by the core's and the models' LIME tests.
public enum LimeFixture {
    /// The fixture file is missing.
    public struct Missing: Error, CustomStringConvertible {
        /// Which file, and how to write it.
        public var description: String
    }

    /// The fixture decoded as `Reference`, each test target's view of the parts it checks. Decoding takes
    /// milliseconds, so each test reads its own.
    ///
    /// - Throws: ``Missing`` when the file is absent, or the decoder's error.
    public static func reference<Reference: Decodable>(as type: Reference.Type = Reference.self) throws -> Reference {
        let url = Fixtures.url("lime/reference.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Missing(description: "\(url.path) is missing; run python3 scripts/lime_reference.py fixture")
        }
        return try JSONDecoder().decode(Reference.self, from: data)
    }
}
