import Foundation
import Glibc

/// Whether this user may read (or write) the store, and if not, what is wrong and how to get access: the store
/// belongs to the daemon's user (`validated`) and group, and an administrator reads it as a member of that group.
enum StoreAccess {
    /// What keeps this user from the store at `path`, or `nil` when nothing does (or it does not exist yet).
    static func problem(_ path: String, writable: Bool) -> String? {
        var status = stat()
        if stat(path, &status) != 0 {
            guard errno == EACCES, let blocking = firstClosedDirectory(of: path) else { return nil }
            return "you (\(currentUser)) cannot reach the store \(path): the directory \(blocking) is "
                + "\(ownership(blocking)) and does not let you in. \(remedy(blocking))"
        }
        if access(path, R_OK) != 0 {
            return "you (\(currentUser)) cannot read the store \(path): it is \(ownership(path)). \(remedy(path))"
        }
        guard writable else { return nil }
        let directory = (path as NSString).deletingLastPathComponent
        if access(path, W_OK) != 0 || access(directory.isEmpty ? "." : directory, W_OK) != 0 {
            let owner = owner(of: path)
            return "this verb writes to the store, and you (\(currentUser)) may only read \(path) "
                + "(\(ownership(path)), in \(directory) \(ownership(directory))); run it as the daemon's user: "
                + "sudo -u \(owner) validatectl \(CommandLine.arguments.dropFirst().joined(separator: " "))"
        }
        return nil
    }

    /// The first directory from the root down to `path` that this user may not search.
    private static func firstClosedDirectory(of path: String) -> String? {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var directory = ""
        for component in absolute.split(separator: "/").dropLast() {
            directory += "/" + component
            if access(directory, X_OK) != 0 { return directory }
        }
        return nil
    }

    /// How to get in: join the file's group (or ask for it to be given one).
    private static func remedy(_ path: String) -> String {
        let group = group(of: path)
        guard group != "root" else {
            return "Give it a group for readers (chgrp), or run validatectl as root (sudo validatectl …)."
        }
        return "Join the group \(group) (sudo usermod -aG \(group) \(currentUser), then log in again), "
            + "or run validatectl as root (sudo validatectl …)."
    }

    /// `owned by validated:validated, mode 0640`.
    private static func ownership(_ path: String) -> String {
        var status = stat()
        guard stat(path, &status) == 0 else { return "not readable" }
        return "owned by \(owner(of: path)):\(group(of: path)), mode \(String(status.st_mode & 0o7777, radix: 8))"
    }

    private static func owner(of path: String) -> String {
        var status = stat()
        guard stat(path, &status) == 0 else { return "?" }
        return getpwuid(status.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "\(status.st_uid)"
    }

    private static func group(of path: String) -> String {
        var status = stat()
        guard stat(path, &status) == 0 else { return "?" }
        return getgrgid(status.st_gid).map { String(cString: $0.pointee.gr_name) } ?? "\(status.st_gid)"
    }

    private static var currentUser: String {
        getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(geteuid())"
    }
}
