import Foundation
import Synchronization
import ValidatedCore

/// A ``TextClassifier`` served by an external scorer process speaking `validated-scorer/1`
/// (`docs/scorer-protocol.md`): one process per model and validation run.
///
/// Calls from several tasks are serialized on the process's pipes; each call is split into requests of at most
/// ``ScorerCommand/batchSize`` texts. Every failure — the scorer crashed, hung past its time limit, wrote
/// something that is not a reply, or answered with the wrong shape or with numbers that are not probabilities —
/// kills the process and is thrown as a ``ScorerError`` carrying the tail of the scorer's standard error; later
/// calls throw the same error at once.
///
/// Call ``close()`` when the run ends, or ``abort()`` from a cancellation handler.
public final class ScorerClassifier: TruncatingClassifier {
    /// Class labels in output-column order, as the scorer announced them.
    public let classes: [String]
    /// The checkpoint the scorer serves.
    public let file: String
    /// The command and its limits.
    public let command: ScorerCommand

    /// The longest input the model reads, in its own units (tokens), when the scorer announced it.
    public let maximumInputLength: Int?

    /// The scorer's process id (also its process group id).
    public var pid: Int32 { process.pid }

    private let process: ScorerProcess
    private let session: Mutex<Session>

    private struct Session {
        var channel: ScorerChannel
        var nextID = 1
        /// Set by the first failure; every later call throws it.
        var failure: ScorerError?
        /// The texts the scorer reported as cut to ``maximumInputLength``.
        var truncated: Set<String> = []
    }

    /// How much a probability row may differ from summing to 1.
    static let sumTolerance = 1e-3
    /// How long a stopping scorer gets to exit after end of input and SIGTERM, before SIGKILL.
    static let stopGrace = Duration.seconds(2)

    /// Starts the scorer for `file` and waits for its announcement.
    ///
    /// - Parameters:
    ///   - file: The checkpoint, passed to the scorer as its last argument.
    ///   - command: The scorer's command line and limits.
    ///   - roster: Where the process is registered as soon as it exists, so a cancelled run can kill it while it
    ///     is still loading.
    ///   - whileWaiting: Called at least once a second while waiting for the scorer (within its time limits), for
    ///     a watchdog that must tell a waiting worker from a wedged one.
    /// - Throws: ``ScorerError`` when the process cannot be started, exits, hangs past
    ///   ``ScorerCommand/startTimeoutSeconds``, reports an error or announces another protocol.
    public init(
        file: String,
        command: ScorerCommand,
        roster: ScorerRoster? = nil,
        whileWaiting: (@Sendable () -> Void)? = nil
    ) throws(ScorerError) {
        self.file = file
        self.command = command
        let commandLine = command.arguments.joined(separator: " ")
        do {
            process = try ScorerProcess(
                arguments: command.arguments + [file],
                memoryLimitBytes: command.memoryLimitBytes
            )
        } catch {
            throw ScorerError(file: file, command: commandLine, reason: "could not be started: \(error.reason)")
        }
        roster?.add(process)
        var channel = ScorerChannel(process: process, whileWaiting: whileWaiting)
        do {
            let line = try channel.exchange([], deadline: .now + .seconds(command.startTimeoutSeconds))
            (classes, maximumInputLength) = try Self.announcement(line)
        } catch let failure as ScorerChannel.Failure {
            throw Self.error(
                failure,
                during: "to announce itself",
                limit: "\(Self.seconds(command.startTimeoutSeconds)) (StartTimeoutSec=)",
                channel: &channel,
                process: process,
                file: file,
                command: command
            )
        } catch let fault as ScorerFault {
            throw Self.error(fault.reason, channel: &channel, process: process, file: file, command: command)
        } catch {
            throw ScorerError(file: file, command: commandLine, reason: "\(error)")
        }
        session = Mutex(Session(channel: channel))
    }

    deinit {
        process.kill()
    }

    /// Probabilities for each text, scored by the scorer in batches of ``ScorerCommand/batchSize``.
    ///
    /// - Throws: ``ScorerError`` saying how the scorer failed, with its stderr tail.
    public func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        try session.withLock { session throws(ScorerError) in
            if let failure = session.failure { throw failure }
            var values: [Double] = []
            values.reserveCapacity(texts.count * classes.count)
            var start = 0
            do throws(ScorerError) {
                while start < texts.count {
                    let batch = Array(texts[start..<min(start + command.batchSize, texts.count)])
                    try score(batch, offset: start, into: &values, session: &session)
                    start += batch.count
                }
            } catch {
                session.failure = error
                throw error
            }
            return ProbabilityMatrix(rows: texts.count, columns: classes.count, values: values)
        }
    }

    /// Ends the scorer: closes its input, sends SIGTERM to its process group, and SIGKILL after two seconds if
    /// it has not exited; then reaps it. Waits for a call in progress to finish. Later calls throw.
    public func close() {
        session.withLock { session in
            if session.failure == nil {
                session.failure = ScorerError(
                    file: file,
                    command: commandLine,
                    reason: "was stopped at the end of the run"
                )
            }
            session.channel.closeInput()
            process.signalGroup(SIGTERM)
            session.channel.drainErrors(until: .now + Self.stopGrace)
            if process.reapIfExited() == nil { process.kill() }
        }
    }

    /// Kills the scorer at once (SIGKILL to its process group) and reaps it, without waiting for a call in
    /// progress, which then fails. Call ``close()`` afterwards as usual.
    public func abort() {
        process.kill()
    }

    private var commandLine: String { command.arguments.joined(separator: " ") }

    /// Which of `texts` the scorer has reported as truncated to ``maximumInputLength`` in calls so far.
    public func truncatedTexts(among texts: [String]) -> [Int] {
        session.withLock { session in texts.indices.filter { session.truncated.contains(texts[$0]) } }
    }

    /// The class labels and the announced maximum input length of a handshake line.
    private static func announcement(_ line: [UInt8]) throws(ScorerFault) -> (classes: [String], maxLength: Int?) {
        let hello: ScorerMessages.Hello
        do {
            hello = try JSONDecoder().decode(ScorerMessages.Hello.self, from: Data(line))
        } catch {
            throw ScorerFault(
                "did not start with a validated-scorer/1 announcement; its first line was \(excerpt(line))"
            )
        }
        if let message = hello.error {
            throw ScorerFault("could not serve the model: \(message)")
        }
        guard hello.protocol == ScorerMessages.protocolName, hello.version == ScorerMessages.version else {
            let announced = "\(hello.protocol ?? "none") version \(hello.version.map(String.init) ?? "none")"
            throw ScorerFault(
                "announced protocol \(announced); this daemon speaks \(ScorerMessages.protocolName) version \(ScorerMessages.version)"
            )
        }
        guard let classes = hello.classes, !classes.isEmpty, Set(classes).count == classes.count else {
            throw ScorerFault(
                "announced no class labels, or the same label twice; \"classes\" lists each label once, in output-column order"
            )
        }
        return (classes, hello.maxLength.flatMap { $0 > 0 ? $0 : nil })
    }

    /// Scores one batch, halving it while its request line would exceed the protocol's line limit.
    private func score(
        _ batch: [String],
        offset: Int,
        into values: inout [Double],
        session: inout Session
    ) throws(ScorerError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var line: Data
        do {
            line = try encoder.encode(ScorerMessages.Request(id: session.nextID, texts: batch))
        } catch {
            throw ScorerError(file: file, command: commandLine, reason: "was not sent texts \(offset)...: \(error)")
        }
        if line.count > ScorerMessages.maxLineBytes {
            guard batch.count > 1 else {
                throw ScorerError(
                    file: file,
                    command: commandLine,
                    reason:
                        "was not sent text \(offset): its JSON encoding of \(line.count) bytes exceeds the protocol's line limit of \(ScorerMessages.maxLineBytes) bytes"
                )
            }
            let half = batch.count / 2
            try score(Array(batch[..<half]), offset: offset, into: &values, session: &session)
            try score(Array(batch[half...]), offset: offset + half, into: &values, session: &session)
            return
        }
        line.append(10)
        let id = session.nextID
        session.nextID += 1
        let limit = command.replyTimeoutSeconds(texts: batch.count)
        do {
            let reply = try session.channel.exchange([UInt8](line), deadline: .now + .seconds(limit))
            let truncated = try check(reply, id: id, batch: batch, offset: offset, into: &values)
            for index in truncated { session.truncated.insert(batch[index]) }
        } catch let failure as ScorerChannel.Failure {
            throw Self.error(
                failure,
                during: "to answer a batch of \(batch.count) texts",
                limit: "\(Self.seconds(limit)) (BatchTimeoutSec=\(Self.number(command.batchTimeoutSeconds)) + "
                    + "\(batch.count) texts × TextTimeoutSec=\(Self.number(command.textTimeoutSeconds)); raise them in the "
                    + "[Scorer] section of the folder's configuration if the model is slow but healthy)",
                channel: &session.channel,
                process: process,
                file: file,
                command: command
            )
        } catch let fault as ScorerFault {
            throw Self.error(fault.reason, channel: &session.channel, process: process, file: file, command: command)
        } catch {
            throw ScorerError(file: file, command: commandLine, reason: "\(error)")
        }
    }

    /// Checks one reply line and appends its rows to `values`.
    ///
    /// - Returns: The indices, in `batch`, of the texts the scorer reports as truncated.
    private func check(
        _ line: [UInt8],
        id: Int,
        batch: [String],
        offset: Int,
        into values: inout [Double]
    ) throws(ScorerFault) -> [Int] {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true  // so a bare NaN or Infinity is reported as such, not as malformed JSON
        let reply: ScorerMessages.Reply
        do {
            reply = try decoder.decode(ScorerMessages.Reply.self, from: Data(line))
        } catch {
            throw ScorerFault("wrote a line that is not a validated-scorer/1 reply: \(Self.excerpt(line))")
        }
        if let message = reply.error {
            throw ScorerFault("reported an error for texts \(offset)..<\(offset + batch.count): \(message)")
        }
        guard reply.id == id else {
            throw ScorerFault(
                "answered request \(id) with id \(reply.id.map(String.init) ?? "null"); replies carry their request's id, in order"
            )
        }
        guard let rows = reply.probabilities else {
            throw ScorerFault("answered request \(id) with neither \"probabilities\" nor \"error\"")
        }
        guard rows.count == batch.count else {
            throw ScorerFault(
                "returned \(rows.count) probability rows for \(batch.count) texts (request \(id)); it must return one row per text"
            )
        }
        for (index, row) in rows.enumerated() {
            let text = offset + index
            guard row.count == classes.count else {
                throw ScorerFault(
                    "returned \(row.count) probabilities for text \(text), but announced \(classes.count) classes \(classes)"
                )
            }
            guard row.allSatisfy({ $0.isFinite && $0 >= -Self.sumTolerance && $0 <= 1 + Self.sumTolerance }) else {
                throw ScorerFault(
                    "returned \(row) for text \(text); probabilities must be finite numbers between 0 and 1"
                )
            }
            let sum = row.reduce(0, +)
            guard abs(sum - 1) <= Self.sumTolerance else {
                throw ScorerFault(
                    "returned probabilities for text \(text) that sum to \(sum), not 1 (± \(Self.sumTolerance))"
                )
            }
            values.append(contentsOf: row)
        }
        let truncated = reply.truncated ?? []
        guard truncated.allSatisfy(batch.indices.contains) else {
            throw ScorerFault(
                "reported truncated texts \(truncated) in request \(id) of \(batch.count) texts; indices count from 0"
            )
        }
        return truncated
    }

    /// Kills the scorer and builds the error for a pipe failure.
    private static func error(
        _ failure: ScorerChannel.Failure,
        during what: String,
        limit: String,
        channel: inout ScorerChannel,
        process: ScorerProcess,
        file: String,
        command: ScorerCommand
    ) -> ScorerError {
        let reason: String
        switch failure {
        case .timedOut:
            reason = "did not manage \(what) within \(limit); it was killed"
        case .outputClosed:
            // Output closes as the process exits; once stderr has closed too, the exit status is set, and
            // SIGKILL only matters to a scorer that closed its output but lives on.
            channel.drainErrors(until: .now + .seconds(1))
            var text = "\(process.kill()) while it was expected \(what)"
            if let limit = command.memoryLimitBytes {
                text += " (its memory limit is \(limit >> 20) MiB, MemoryLimit=)"
            }
            reason = text
        case .lineTooLong:
            reason = "wrote a line longer than the protocol's limit of \(ScorerMessages.maxLineBytes) bytes"
        case .answeredEarly(let line):
            reason = "answered before it had read the whole request: \(excerpt(line))"
        case .system(let message):
            reason = "could not be talked to: \(message)"
        }
        return error(reason, channel: &channel, process: process, file: file, command: command)
    }

    /// Kills the scorer, collects its last words on stderr, and builds the error.
    private static func error(
        _ reason: String,
        channel: inout ScorerChannel,
        process: ScorerProcess,
        file: String,
        command: ScorerCommand
    ) -> ScorerError {
        process.kill()
        channel.drainErrors(until: .now + .seconds(1))
        return ScorerError(
            file: file,
            command: command.arguments.joined(separator: " "),
            reason: reason,
            stderrTail: channel.stderrTail
        )
    }

    private static func excerpt(_ line: [UInt8]) -> String {
        let text = String(decoding: line.prefix(200), as: UTF8.self)
        return "\"\(text)\(line.count > 200 ? "…" : "")\""
    }

    private static func seconds(_ value: Double) -> String {
        "\(number(value)) s"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))" : "\(value)"
    }
}

/// A protocol violation found in a scorer's reply, before the file and command are attached.
private struct ScorerFault: Error {
    var reason: String

    init(_ reason: String) { self.reason = reason }
}
