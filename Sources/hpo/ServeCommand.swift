import ArgumentParser
import Foundation
import HPOServe

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
            """)

    @Argument(help: "Results logs (JSON Lines), or folders of them.") var paths: [String]
    @Option(help: "HOST:PORT to listen on (port 0: any free port).") var bind = "127.0.0.1:8080"
    @Option(help: "A file whose first line is the access token (16+ characters); required beyond loopback.")
    var tokenFile: String?

    func run() throws {
        var settings = ServeSettings()
        settings.bind = bind
        do {
            if let tokenFile { settings.token = try ServeSettings.readToken(path: tokenFile) }
            let catalog = try StudyCatalog(paths: paths)
            let server = try ServeServer(settings: settings, catalog: catalog)
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
