import CValidatedSystemd

/// Talks to the service manager with `sd_notify`: readiness, status, reload, stop and watchdog pings.
///
/// Outside systemd (`NOTIFY_SOCKET` unset) every call is a no-op.
public struct SystemdNotifier: Sendable {
    /// Creates a notifier for this process.
    public init() {}

    /// `READY=1` with a status line: start-up is complete.
    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }

    /// `STATUS=`: a free-form line `systemctl status` shows.
    public func status(_ text: String) { send("STATUS=\(text)") }

    /// `RELOADING=1`: the configuration is being re-read; follow with ``ready(status:)``.
    public func reloading() { send("RELOADING=1") }

    /// `STOPPING=1`: shutdown has begun.
    public func stopping() { send("STOPPING=1") }

    /// `WATCHDOG=1`: the service is alive.
    public func watchdog() { send("WATCHDOG=1") }

    /// The watchdog timeout systemd expects pings within, or `nil` when the watchdog is off. Ping at half of it.
    public var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }

    private func send(_ state: String) {
        _ = sd_notify(0, state)
    }
}

/// The `MESSAGE_ID` of each kind of event the daemon reports; `systemd/validated.catalog` explains each.
public enum ValidatedMessageID: String, CaseIterable, Sendable {
    /// The store is migrated and the folders are watched (READY).
    case daemonStarted = "1bb0202c1b654f03b98dc25c466ad070"
    /// The daemon is shutting down.
    case daemonStopping = "e5ca57a768284a7cb39587696d7f4212"
    /// A new checkpoint was detected and queued.
    case modelQueued = "dd0dece287ed448cbcc2c5bc5840e2cf"
    /// A checkpoint passed (or passed with warnings).
    case verdictPassed = "4f1296b351c3400eb86262426c7da550"
    /// A checkpoint failed a check.
    case verdictFailed = "4fa841fdd01e4d2da804c94160de6e6b"
    /// A checkpoint could not be evaluated.
    case verdictError = "de33aa6fb57f4459932f8ca545cccb8f"
    /// A checkpoint became its folder's champion.
    case championPromoted = "f9d7b300d6ab436f8b32e9c599b51746"
    /// The configuration was reloaded.
    case configReloaded = "735ea5408e57443c9e04d2e21140460b"
    /// A configuration was refused; the previous one stays in force.
    case configRejected = "a88d6ced47544d9f97586b6e1b3ab65d"
    /// The store could not be read or written.
    case storeError = "bb81273c51ad49ff8a0180060034a7a2"
    /// The store file was deleted while the daemon used it, and was written again from the open copy.
    case storeRecreated = "817dd760235d446c9e919e92b01d4d8e"
    /// A file in a watched folder is not validated: its name is not UTF-8, it is too large, not a regular file,
    /// or a link that leads nowhere.
    case checkpointRefused = "c755d90c2ab5463baa820e7c652a5bf7"
    /// The champion's file no longer holds the content it was promoted with.
    case championChanged = "a477bcb18edc4f7fb3e67e781a5d25c2"
    /// A folder's evaluation set or banned-token list cannot be used: its checkpoints wait until it is fixed.
    case folderProblem = "71de86e7e9254d88b0b2851936ba4ffe"
}
