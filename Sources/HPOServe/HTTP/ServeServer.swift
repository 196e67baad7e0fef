import Foundation
import HPOReport
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

    package init(settings: ServeSettings, catalog: StudyCatalog) throws(ServeError) {
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

    static func text(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
