/// How to run an external scorer for one kind of checkpoint, and the limits it runs under.
///
/// The daemon starts `arguments` with the checkpoint's path appended as the last argument, once per model
/// and validation run, and speaks the scorer protocol (`docs/scorer-protocol.md`) with it.
public struct ScorerCommand: Sendable, Equatable {
    /// The program and its arguments; the program is looked up in `PATH` when it has no slash.
    public var arguments: [String]
    /// How long the scorer may take to load the model and announce itself, in seconds. Default 120: importing a
    /// deep-learning runtime and loading a transformer's weights takes tens of seconds on a loaded machine.
    public var startTimeoutSeconds: Double
    /// The fixed part of the time a scorer may take to answer one request, in seconds, whatever its size.
    /// Default 10.
    public var batchTimeoutSeconds: Double
    /// The time each text of a request adds to the time the scorer may take to answer it, in seconds. Default 1:
    /// a request of 256 texts may take 10 + 256 × 1 seconds. A limit per text, not per batch, so a batch of long
    /// texts for a large model on a loaded machine is not mistaken for a hung scorer.
    public var textTimeoutSeconds: Double
    /// The most texts sent in one request. Default 256.
    public var batchSize: Int
    /// The scorer's address-space limit (`RLIMIT_AS`) in bytes, or `nil` for none. Default 4 GiB.
    public var memoryLimitBytes: Int?

    /// Creates a command with the given limits.
    public init(
        arguments: [String],
        startTimeoutSeconds: Double = 120,
        batchTimeoutSeconds: Double = 10,
        textTimeoutSeconds: Double = 1,
        batchSize: Int = 256,
        memoryLimitBytes: Int? = 4 << 30
    ) {
        self.arguments = arguments
        self.startTimeoutSeconds = startTimeoutSeconds
        self.batchTimeoutSeconds = batchTimeoutSeconds
        self.textTimeoutSeconds = textTimeoutSeconds
        self.batchSize = batchSize
        self.memoryLimitBytes = memoryLimitBytes
    }

    /// How long the scorer may take to answer a request of `texts` texts, in seconds.
    public func replyTimeoutSeconds(texts: Int) -> Double {
        batchTimeoutSeconds + Double(texts) * textTimeoutSeconds
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
