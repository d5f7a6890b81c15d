/// Waiting on an event with a deadline, never sleeping and hoping.
public struct TimeoutError: Error, CustomStringConvertible {
    /// What was awaited.
    public var description: String
}

/// Polls `condition` every `poll` until it is true.
///
/// - Throws: ``TimeoutError`` naming `what` when `timeout` passes first.
public func waitUntil(
    timeout: Duration,
    poll: Duration = .milliseconds(50),
    _ what: String,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else {
            throw TimeoutError(description: "timed out after \(timeout) waiting for \(what)")
        }
        try await Task.sleep(for: poll)
    }
}
