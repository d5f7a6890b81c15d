import Foundation
import Logging
import Testing
import ValidatedSystemd
import ValidatedTestSupport

/// Entries go through the real journald and are read back with journalctl.
@Suite(.serialized) struct JournalTests {
    @Test func fieldNamesAreSanitizedTheWayJournaldAcceptsThem() {
        #expect(JournalFieldName.sanitize("model.path") == "MODEL_PATH")
        #expect(JournalFieldName.sanitize("VALIDATED_MODEL") == "VALIDATED_MODEL")
        #expect(JournalFieldName.sanitize("_PROTECTED") == "F__PROTECTED")
        #expect(JournalFieldName.sanitize("1digit") == "F_1DIGIT")
        #expect(JournalFieldName.sanitize(String(repeating: "a", count: 80)).count == 64)
    }

    @Test(.timeLimit(.minutes(1)))
    func structuredEntriesReachTheJournalWithEveryField() async throws {
        try Journald.ensureRunning()
        let run = UUID().uuidString
        var handler = JournalLogHandler(label: "journal-test", identifier: "validated-test")
        handler.logLevel = .debug
        let logger = Logger(label: "journal-test") { _ in handler }
        logger.warning(
            "model failed\nsecond line",
            metadata: [
                "VALIDATED_TEST_RUN": "\(run)", "MESSAGE_ID": "4fa841fdd01e4d2da804c94160de6e6b",
                "model.path": "/srv/m.safetensors", "details": ["reason": "nntp"],
            ]
        )
        var entries: [[String: String]] = []
        try await waitUntil(timeout: .seconds(20), "the entry in the journal") {
            entries = try Journald.entries(matching: ["VALIDATED_TEST_RUN": run])
            return !entries.isEmpty
        }
        let entry = try #require(entries.first)
        #expect(entry["MESSAGE"] == "model failed\nsecond line")
        #expect(entry["PRIORITY"] == "4")
        #expect(entry["MESSAGE_ID"] == "4fa841fdd01e4d2da804c94160de6e6b")
        #expect(entry["MODEL_PATH"] == "/srv/m.safetensors")
        #expect(entry["DETAILS_REASON"] == "nntp")
        #expect(entry["SYSLOG_IDENTIFIER"] == "validated-test")
        #expect(entry["LOGGER_LABEL"] == "journal-test")
        #expect(entry["CODE_FILE"]?.hasSuffix("JournalTests.swift") == true)
        #expect(entry["CODE_FUNC"]?.contains("structuredEntriesReachTheJournal") == true)
    }
}

/// sd_notify reaches a datagram socket the test owns, as it would reach systemd.
@Suite(.serialized) struct NotifierTests {
    @Test(.timeLimit(.minutes(1)))
    func readyStatusAndStoppingArriveVerbatim() async throws {
        let socket = try NotifySocket()
        setenv("NOTIFY_SOCKET", socket.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        let notifier = SystemdNotifier()
        notifier.ready(status: "queue 0")
        notifier.status("validating m.safetensors")
        notifier.stopping()
        _ = try await socket.waitFor(timeout: .seconds(10)) { $0 == "STOPPING=1" }
        #expect(socket.messages == ["READY=1\nSTATUS=queue 0", "STATUS=validating m.safetensors", "STOPPING=1"])
    }

    @Test func watchdogIntervalComesFromTheEnvironment() {
        setenv("WATCHDOG_USEC", "4000000", 1)
        defer { unsetenv("WATCHDOG_USEC") }
        #expect(SystemdNotifier().watchdogInterval == .seconds(4))
        unsetenv("WATCHDOG_USEC")
        #expect(SystemdNotifier().watchdogInterval == nil)
    }
}
