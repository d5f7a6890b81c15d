import Foundation

/// The file node_exporter's textfile collector reads. Each write replaces it whole and atomically: the text goes
/// to a temporary file in the same directory, under a name the collector skips (it reads `*.prom` only), which
/// is then renamed over the file, so a scrape never sees half of it. No port is opened.
struct MetricsFile: Sendable {
    /// The file, e.g. `/var/lib/node_exporter/textfile_collector/validated.prom`.
    let path: String

    /// Replaces the file's content with `text`, readable by everyone (the collector runs as another user).
    func replace(with text: String) throws(MetricsFileError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw MetricsFileError(path: path, reason: "cannot write \(temporary): \(error.localizedDescription)")
        }
        guard chmod(temporary, 0o644) == 0, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw MetricsFileError(path: path, reason: "cannot replace it with \(temporary): \(reason)")
        }
    }
}

/// Why the metrics file could not be written.
struct MetricsFileError: Error, CustomStringConvertible {
    /// The metrics file.
    var path: String
    /// What failed.
    var reason: String

    var description: String {
        "metrics file \(path): \(reason); check that its directory exists and that validated may write there "
            + "(ReadWritePaths= in the unit), or empty MetricsFile= in [Daemon]"
    }
}
