/// How to run an external scorer for one kind of checkpoint, and the limits it runs under.
///
/// The daemon starts `arguments` with the checkpoint's path appended as the last argument, once per model
/// and validation run, and speaks the scorer protocol (`docs/scorer-protocol.md`) with it.
public struct ScorerCommand: Sendable, Equatable {
    /// The program and its arguments; the program is looked up in `PATH` when it has no slash.
    public var arguments: [String]
    /// How long the scorer may take to load the model and announce itself, in seconds. Default 60.
    public var startTimeoutSeconds: Double
    /// How long the scorer may take to answer one batch, in seconds. Default 20, below the unit's 30-second
    /// watchdog: while every explanation task waits on one hung scorer, the daemon's heartbeat cannot run.
    public var batchTimeoutSeconds: Double
    /// The most texts sent in one request. Default 256.
    public var batchSize: Int
    /// The scorer's address-space limit (`RLIMIT_AS`) in bytes, or `nil` for none. Default 4 GiB.
    public var memoryLimitBytes: Int?

    /// Creates a command with the given limits.
    public init(
        arguments: [String],
        startTimeoutSeconds: Double = 60,
        batchTimeoutSeconds: Double = 20,
        batchSize: Int = 256,
        memoryLimitBytes: Int? = 4 << 30
    ) {
        self.arguments = arguments
        self.startTimeoutSeconds = startTimeoutSeconds
        self.batchTimeoutSeconds = batchTimeoutSeconds
        self.batchSize = batchSize
        self.memoryLimitBytes = memoryLimitBytes
    }

    /// Splits a command line into arguments at unquoted whitespace.
    ///
    /// Double or single quotes group words (`"my scorer.py"`), and a backslash escapes the next character.
    ///
    /// - Returns: The arguments, or `nil` when a quote is not closed.
    public static func split(_ line: String) -> [String]? {
        var arguments: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && quote != "'" {
                escaped = true
                inWord = true
            } else if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { arguments.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil, !escaped else { return nil }
        if inWord { arguments.append(current) }
        return arguments
    }
}
