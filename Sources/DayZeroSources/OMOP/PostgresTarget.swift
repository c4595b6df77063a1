import Foundation
import PostgresNIO

/// Where an OMOP database is: a `postgresql://` URL as libpq writes it, reduced to what
/// DayZero needs. `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?host=/socket/dir][&sslmode=require]`;
/// the password may also come from `PGPASSWORD`. A `host` query parameter naming a folder
/// connects through the Unix socket in it.
public struct PostgresTarget: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// The folder of the server's Unix socket, when connecting through one.
    public var socketDirectory: String?
    public var requireTLS: Bool

    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme, scheme == "postgresql" || scheme == "postgres"
        else {
            throw Problem(description: "--omop \(Self.redacted(text)): not a postgresql:// URL (postgresql://USER@HOST:PORT/DATABASE)")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else {
            throw Problem(description: "--omop \(Self.redacted(text)): the URL names no database (postgresql://USER@HOST:PORT/DATABASE)")
        }
        database = path.removingPercentEncoding ?? path
        user = components.user?.removingPercentEncoding ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        password = components.password?.removingPercentEncoding ?? environment["PGPASSWORD"]
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        port = components.port ?? 5432
        socketDirectory = nil
        requireTLS = false
        for item in components.queryItems ?? [] {
            switch item.name {
            case "host":
                if let value = item.value, value.hasPrefix("/") { socketDirectory = value } else if let value = item.value { host = value }
            case "sslmode":
                switch item.value ?? "" {
                case "disable", "allow", "prefer": requireTLS = false
                case "require", "verify-ca", "verify-full": requireTLS = true
                default: throw Problem(description: "--omop: sslmode \(item.value ?? "") is not one of disable, prefer, require")
                }
            case "port":
                guard let value = item.value, let p = Int(value) else { throw Problem(description: "--omop: port \(item.value ?? "") is not a number") }
                port = p
            default:
                throw Problem(description: "--omop: unknown URL parameter \(item.name) (DayZero reads host, port and sslmode)")
            }
        }
    }

    /// The URL without its password.
    static func redacted(_ text: String) -> String {
        guard var c = URLComponents(string: text), c.password != nil else { return text }
        c.password = "***"
        return c.string ?? text
    }

    public var description: String {
        "postgresql://\(user)@\(socketDirectory.map { "[socket \($0)]" } ?? "\(host):\(port)")/\(database)"
    }

    func configuration() throws -> PostgresConnection.Configuration {
        if let socketDirectory {
            return PostgresConnection.Configuration(
                unixSocketPath: socketDirectory + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let tls: PostgresConnection.Configuration.TLS
        if requireTLS {
            tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        } else {
            tls = .disable
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}
