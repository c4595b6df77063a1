import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server for one test: `initdb` in a fresh temporary folder, `pg_ctl
/// start` listening only on a Unix socket in that folder (no TCP port), one database, and
/// `stop()` shuts it down and removes the folder.
///
/// PostgreSQL refuses to run as root, so when the tests run as root (CI does) the cluster is
/// initialised and started as the `postgres` user that Debian's `postgresql` package creates,
/// through `runuser`, and the folder is handed to that user. The server binaries are looked up
/// in `DAYZERO_PG_BIN`, then `/usr/lib/postgresql/<newest>/bin`, then `PATH`. When they are
/// missing the cluster throws a message saying to install `postgresql`: a test that needs the
/// server fails, it is never skipped.
final class PostgresCluster: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The folder holding the data directory, the socket and the server log.
    let directory: URL
    let binDirectory: URL
    let user = "dayzero"
    let database = "dayzero"
    let port = 5432
    private var running = false

    /// The Unix socket folder (pass to a client as the host).
    var socketDirectory: String { directory.path }
    /// The socket file itself (for PostgresNIO's `unixSocketPath`).
    var socketPath: String { directory.appendingPathComponent(".s.PGSQL.\(port)").path }
    /// A connection URL for DayZero's `--omop` (the socket folder as `host`).
    var url: String { "postgresql://\(user)@localhost/\(database)?host=\(socketDirectory)" }

    /// Where `initdb`, `pg_ctl` and `psql` are.
    static func findBinaries() throws -> URL {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["DAYZERO_PG_BIN"], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env))
        }
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? fm.contentsOfDirectory(atPath: root.path)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        candidates += versions.map { root.appendingPathComponent("\($0)/bin") }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append(URL(fileURLWithPath: String(dir)))
        }
        for dir in candidates
        where ["initdb", "pg_ctl", "postgres"].allSatisfy({ fm.isExecutableFile(atPath: dir.appendingPathComponent($0).path) }) {
            return dir
        }
        throw Failure(description: """
            PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in DAYZERO_PG_BIN, \
            /usr/lib/postgresql/*/bin or PATH: install Debian's `postgresql` package \
            (apt-get install -y postgresql); .ci/run installs it.
            """)
    }

    /// Creates and starts the cluster and its database.
    init() throws {
        binDirectory = try Self.findBinaries()
        let base = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("dzpg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        directory = base
        do {
            if geteuid() == 0 {
                guard let pw = getpwnam("postgres") else {
                    throw Failure(description: "running as root and there is no `postgres` user to run the server as: install Debian's `postgresql` package (it creates the user)")
                }
                guard chown(base.path, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0 else {
                    throw Failure(description: "cannot hand \(base.path) to the postgres user (errno \(errno))")
                }
            }
            let data = base.appendingPathComponent("data").path
            try runServerTool("initdb", ["-D", data, "-U", user, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
            let options = "-k \(base.path) -c listen_addresses='' -p \(port) -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            try runServerTool("pg_ctl", ["-D", data, "-l", base.appendingPathComponent("server.log").path, "-w", "-t", "60", "-o", options, "start"])
            running = true
            try psql(["-d", "postgres", "-c", "CREATE DATABASE \(database)"])
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Stops the server (immediately: the data is thrown away) and removes the folder.
    func stop() {
        if running {
            running = false
            _ = try? runServerTool("pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `psql` against the cluster (stopping at the first error) and returns its output.
    @discardableResult
    func psql(_ arguments: [String], input: String? = nil) throws -> String {
        let hasDatabase = arguments.contains("-d")
        return try run(
            binDirectory.appendingPathComponent("psql").path,
            ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", "\(port)", "-U", user]
                + (hasDatabase ? [] : ["-d", database]) + arguments,
            input: input)
    }

    /// Runs a server tool, as the postgres user when this process is root.
    @discardableResult
    private func runServerTool(_ tool: String, _ arguments: [String]) throws -> String {
        let path = binDirectory.appendingPathComponent(tool).path
        if geteuid() == 0 {
            return try run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments)
        }
        return try run(path, arguments)
    }

    /// Runs a tool to completion, in `directory`, with its output in files. Not through
    /// Foundation's `Process`: it learns of the child's end from a descriptor the child
    /// inherits, which the server that `pg_ctl start` leaves running keeps open for ever. Here
    /// the child is spawned with `posix_spawn` and reaped with `waitpid`.
    private func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
        let tag = UUID().uuidString.prefix(8)
        let outURL = directory.appendingPathComponent("tool-\(tag).out")
        let errURL = directory.appendingPathComponent("tool-\(tag).err")
        let inURL = directory.appendingPathComponent("tool-\(tag).in")
        defer {
            for url in [outURL, errURL, inURL] { try? FileManager.default.removeItem(at: url) }
        }
        guard FileManager.default.createFile(atPath: inURL.path, contents: Data((input ?? "").utf8)) else {
            throw Failure(description: "cannot create files in \(directory.path)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inURL.path, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // sh changes to the cluster folder (readable by the postgres user) and execs the tool.
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, executable] + arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, cArgs, environ)
        guard spawned == 0 else { throw Failure(description: "cannot start \(executable) (error \(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw Failure(description: "waiting for \(executable) failed (errno \(errno))") }
        }
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        guard exitCode == 0 else {
            let errors = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            let log = (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            throw Failure(description: "\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) exited with \(exitCode): \(errors)\(output)\(log.isEmpty ? "" : "\nserver log:\n" + log.suffix(2000))")
        }
        return output
    }
}
