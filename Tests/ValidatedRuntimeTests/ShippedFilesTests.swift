import Foundation
import Testing
import ValidatedCore
import ValidatedTestSupport

/// The files the project ships parse with the same code the daemon uses.
@Suite struct ShippedFilesTests {
    @Test(arguments: ["etc/validated/banned-tokens.example", "demo/banned-tokens.txt"])
    func bannedListsParseAndMatchWhatTheySay(path: String) throws {
        let url = Fixtures.repository.appendingPathComponent(path)
        let list = try BannedTokenList.parse(try String(contentsOf: url, encoding: .utf8), source: path)
        #expect(list.matches("NNTP"))
        #expect(list.matches("nntp2"))
        #expect(!list.matches("posting"))
    }
}
