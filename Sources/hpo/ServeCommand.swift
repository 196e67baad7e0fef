import ArgumentParser
import Foundation
import HPOControl
import HPOServe
import HPOZeroMQ

/// `hpo serve PATH...`: the studies live in a browser (docs/serve.md).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a live page of results logs: status, every plot of hpo report, a study list, comparisons.",
        discussion: """
            Follows each log (reads only what is appended) and pushes updates to the page within a second \
            (Server-Sent Events). Works on finished and running studies alike, from the logs alone. A folder \
            is looked into again every time, so studies started later appear. Loopback only unless \
            --token-file is given; beyond loopback, put TLS in front (docs/serve.md).

            Examples:
              hpo serve results.jsonl
              hpo serve runs/ --bind 127.0.0.1:9000
              hpo serve runs/ --bind 0.0.0.0:8080 --token-file ~/.hpo-serve-token
              hpo serve results.jsonl --control tcp://127.0.0.1:5556      # with buttons: stop, budget, enqueue
              hpo serve runs/ --control runs/a.jsonl=tcp://10.0.0.5:5556 \\
                --control-curve-key serve.key --control-server-key coordinator.pub
            """)

    @Argument(help: "Results logs (JSON Lines), or folders of them.") var paths: [String]
    @Option(help: "HOST:PORT to listen on (port 0: any free port).") var bind = "127.0.0.1:8080"
    @Option(help: "A file whose first line is the access token (16+ characters); required beyond loopback.")
    var tokenFile: String?
    @Option(
        help: ArgumentHelp(
            "The control address of a study's coordinator (hpo-coordinator --control): the page can stop a trial or "
                + "the study, raise the budget, enqueue a configuration. [LOG=]ENDPOINT; LOG= may be left out when "
                + "a single log is served. Repeat for several studies.", valueName: "[LOG=]ENDPOINT"))
    var control: [String] = []
    @Option(help: "CURVE for --control: this server's key file (from `hpo keygen`), authorised by the coordinator.")
    var controlCurveKey: String?
    @Option(help: "CURVE for --control: the coordinator's public key, or its .pub file.")
    var controlServerKey: String?

    func validate() throws {
        guard (controlCurveKey == nil) == (controlServerKey == nil) else {
            throw ValidationError("--control-curve-key and --control-server-key go together")
        }
        for entry in control where Self.split(control: entry).log == nil {
            guard paths.count == 1, !Self.isFolder(paths[0]) else {
                throw ValidationError(
                    "--control \(entry): name the log it belongs to (--control LOG=ENDPOINT) when serving more than "
                        + "one log or a folder")
            }
        }
    }

    /// `LOG=ENDPOINT` or `ENDPOINT` (an endpoint has no `=` before its `://`).
    static func split(control entry: String) -> (log: String?, endpoint: String) {
        guard let equals = entry.firstIndex(of: "="),
            entry.range(of: "://").map({ equals < $0.lowerBound }) ?? true
        else { return (nil, entry) }
        return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
    }

    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    func controls() throws -> [StudyControl] {
        let curve: CurveClientSettings?
        do {
            curve = try controlCurveKey.map { key in
                CurveClientSettings(
                    keyPair: try CurveKeyFile.readKeyPair(path: key),
                    serverPublicKey: try CurveKeyFile.readPublicKey(controlServerKey ?? ""))
            }
        } catch let error as CurveKeyError {
            throw ValidationError(error.description)
        }
        return try control.map { entry in
            let (log, endpoint) = Self.split(control: entry)
            do {
                return StudyControl(
                    log: log ?? paths.first, endpoint: endpoint,
                    client: try ControlClient(endpoint: endpoint, curve: curve))
            } catch let error as ControlClientError {
                throw ValidationError("--control \(entry): \(error)")
            }
        }
    }

    func run() throws {
        var settings = ServeSettings()
        settings.bind = bind
        do {
            if let tokenFile { settings.token = try ServeSettings.readToken(path: tokenFile) }
            let controls = try controls()
            let endpoints = controls.map { (URL(fileURLWithPath: $0.log ?? "").standardizedFileURL.path, $0.endpoint) }
            let catalog = try StudyCatalog(paths: paths) { path in
                let standard = URL(fileURLWithPath: path).standardizedFileURL.path
                return endpoints.first { $0.0 == standard }?.1
            }
            let server = try ServeServer(settings: settings, catalog: catalog, controls: controls)
            let token = settings.token
            let outcome = Outcome()
            let done = DispatchSemaphore(value: 0)
            Task {
                do {
                    try await server.run { address in
                        let query = token.map { "?token=\($0)" } ?? ""
                        // Unbuffered: scripts and tests wait for this line.
                        FileHandle.standardOutput.write(Data("hpo serve: http://\(address)/\(query)\n".utf8))
                    }
                } catch {
                    outcome.set("\(error)")
                }
                done.signal()
            }
            done.wait()
            if let failure = outcome.failure { throw ToolFailure("hpo serve: \(failure)") }
        } catch let error as ServeError {
            throw ValidationError(error.description)
        }
    }
}

/// What the server task ended with, read after it signalled.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ failure: String) {
        lock.lock()
        text = failure
        lock.unlock()
    }
    var failure: String? {
        lock.lock()
        defer { lock.unlock() }
        return text
    }
}
