import Foundation
import HPOControl
import HPOReport
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// `hpo serve`: the page and its API over HTTP/1.1 (Hummingbird), the logs followed by a
/// `StudyWatcher`, updates pushed as Server-Sent Events through a `Broadcaster`.
///
/// Routes: `GET /` the page, `GET /app.css`, `GET /app.js`; `GET /api/studies` the study list
/// (JSON), `GET /api/events` its updates (`event: studies`), `GET /api/studies/ID` a study's
/// panel (HTML), `GET /api/compare?ids=A,B` the comparison (HTML). docs/serve.md.
package final class ServeServer: Sendable {
    package let settings: ServeSettings
    package let catalog: StudyCatalog
    package let broadcaster: Broadcaster
    private let watcher: StudyWatcher
    /// The coordinators the page may act on (`--control`); empty: read-only.
    package let controls: [StudyControl]
    /// Every action request must carry this (`X-HPO-CSRF`), which only a page served here can read.
    private let csrf = (0..<32).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()

    package init(settings: ServeSettings, catalog: StudyCatalog, controls: [StudyControl] = []) throws(ServeError) {
        self.controls = controls
        let (host, _) = try ServeSettings.split(bind: settings.bind)
        if !ServeSettings.isLoopback(host: host) && settings.token == nil { throw .tokenRequired(settings.bind) }
        self.settings = settings
        self.catalog = catalog
        broadcaster = Broadcaster(queueLimit: settings.queueLimit, maxSubscribers: settings.maxStreams)
        watcher = StudyWatcher(
            catalog: catalog, broadcaster: broadcaster, pollInterval: settings.pollInterval,
            keepAliveInterval: settings.keepAliveInterval)
    }

    /// Serves until the task is cancelled or SIGINT/SIGTERM; `onListening` gets the bound address
    /// (`HOST:PORT`, the real port when 0 was asked for).
    package func run(handleSignals: Bool = true, onListening: @escaping @Sendable (String) -> Void = { _ in })
        async throws
    {
        let (host, port) = try ServeSettings.split(bind: settings.bind)
        _ = catalog.refresh()
        watcher.start()
        defer {
            watcher.stopAndJoin()
            broadcaster.finishAll()
        }
        var logger = Logger(label: "hpo-serve")
        logger.logLevel = .warning
        let app = Application(
            router: makeRouter(),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [],
                    idleTimeout: nil,
                    httpDecoderConfiguration: .init(
                        maxHeaderFieldSize: settings.maxHeaderBytes, maxHeaderListSize: settings.maxHeaderBytes,
                        maxHeaderFieldCount: 100))),
            configuration: .init(
                address: .hostname(host, port: port), serverName: nil, backlog: 256, reuseAddress: true,
                availableConnectionsDelegate: MaximumAvailableConnections(settings.maxConnections)),
            onServerRunning: { channel in
                let address = channel.localAddress
                let bound =
                    (address?.ipAddress ?? host).contains(":")
                    ? "[\(address?.ipAddress ?? host)]" : (address?.ipAddress ?? host)
                onListening("\(bound):\(address?.port ?? port)")
            },
            logger: logger)
        if handleSignals {
            try await app.runService()
        } else {
            try await app.run()
        }
    }

    private func makeRouter() -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(middleware: AccessGuard(token: settings.token, maxTargetLength: settings.maxTargetLength))
        let catalog = catalog
        let broadcaster = broadcaster
        router.get("/") { _, _ in Self.text(AppPage.html, type: "text/html; charset=utf-8") }
        router.get("/app.css") { _, _ in Self.text(AppPage.css, type: "text/css; charset=utf-8") }
        router.get("/app.js") { _, _ in Self.text(AppPage.script, type: "text/javascript; charset=utf-8") }
        router.get("/api/studies") { _, _ in Self.text(catalog.listJSON(), type: "application/json") }
        let session = #"{"csrf":"\#(csrf)","control":\#(controls.isEmpty ? "false" : "true")}"#
        router.get("/api/session") { _, _ in Self.text(session, type: "application/json") }
        router.post("/api/studies/:id/actions") { request, context in try await self.act(request, context) }
        router.get("/api/studies/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let html = catalog.with(id, { $0.panel(render: StudyPanel.render) }) else {
                return AccessGuard.plain(.notFound, "no study \(id)\n")
            }
            return Self.text(html, type: "text/html; charset=utf-8")
        }
        router.get("/api/compare") { request, _ in
            let ids = (request.uri.queryParameters["ids"].map(String.init) ?? "").split(separator: ",").map(String.init)
            guard (1...32).contains(ids.count) else {
                return AccessGuard.plain(.badRequest, "ids: one to 32 study ids, separated by commas\n")
            }
            return Self.text(ComparisonView.render(ids: ids, catalog: catalog), type: "text/html; charset=utf-8")
        }
        let sendBuffer = settings.streamSendBuffer
        router.get("/api/events") { _, context in
            let channel = context.channel
            // A fixed send buffer (no autotuning to megabytes): a client that stops reading fills
            // it, then NIO's, then its queue, within a few events, and is closed.
            try? await channel.setOption(ChannelOptions.socketOption(.so_sndbuf), value: sendBuffer).get()
            let first = Broadcaster.event("studies", data: catalog.listJSON())
            guard
                let subscription = broadcaster.subscribe(first: first, close: { channel.close(promise: nil) })
            else {
                return AccessGuard.plain(.serviceUnavailable, "too many event streams open\n")
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-store"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    defer { broadcaster.unsubscribe(subscription.id) }
                    // A graceful shutdown (SIGINT, SIGTERM) ends the stream, so the server can stop.
                    try await withGracefulShutdownHandler {
                        for await event in subscription.events { try await writer.write(event) }
                    } onGracefulShutdown: {
                        broadcaster.unsubscribe(subscription.id)
                    }
                    try await writer.finish(nil)
                })
        }
        return router
    }

    /// `POST /api/studies/ID/actions`: a same-origin request (its `Origin` is this server) with
    /// the page's CSRF token and a JSON body, for a study with a control address.
    private func act(_ request: Request, _ context: ServeContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let host = request.head.authority ?? ""
        guard let origin = request.headers[.origin], origin == "http://\(host)" || origin == "https://\(host)" else {
            return AccessGuard.plain(.forbidden, "actions only from the page itself (Origin must be this server)\n")
        }
        guard let offered = request.headers[Self.csrfHeader], AccessGuard.equal(offered, csrf) else {
            return AccessGuard.plain(.forbidden, "missing or wrong X-HPO-CSRF\n")
        }
        guard request.headers[.contentType]?.hasPrefix("application/json") == true else {
            return AccessGuard.plain(.unsupportedMediaType, "send application/json\n")
        }
        guard let path = catalog.with(id, { $0.path }) else { return AccessGuard.plain(.notFound, "no study \(id)\n") }
        guard let control = control(for: path) else {
            return AccessGuard.plain(.notFound, "\(id) is read-only here: hpo serve has no control address for it\n")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: settings.maxBodyBytes)
        } catch {
            return AccessGuard.plain(.contentTooLarge, "body larger than \(settings.maxBodyBytes) bytes\n")
        }
        let action: HPOControl.ControlAction
        switch StudyControl.action(from: Array(buffer: body)) {
        case .success(let parsed): action = parsed
        case .failure(let error): return AccessGuard.plain(.badRequest, error.description + "\n")
        }
        let reply = await control.send(action, peer: context.peer)
        let json = try JSONSerialization.data(withJSONObject: ["accepted": reply.accepted, "message": reply.message])
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    static let csrfHeader = HTTPField.Name("X-HPO-CSRF")!

    /// The control of the coordinator writing `path`: the one named for it, or the only one.
    package func control(for path: String) -> StudyControl? {
        let standard = URL(fileURLWithPath: path).standardizedFileURL.path
        return controls.first { control in
            control.log.map { URL(fileURLWithPath: $0).standardizedFileURL.path == standard } ?? true
        }
    }

    static func text(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
