import Hummingbird
import NIOCore

/// A request's context: Hummingbird's, plus the connection (its peer's address, and a way to
/// close it: a slow event-stream client is closed from the fan-out).
package struct ServeContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    package let channel: any Channel

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Bodies are read by hand with their own bound (`ServeSettings.maxBodyBytes`).
    package var maxUploadSize: Int { 16 * 1024 }

    /// `HOST:PORT` of the client, as the action journal records it.
    package var peer: String {
        guard let address = channel.remoteAddress else { return "unknown" }
        let host = address.ipAddress ?? "unknown"
        let port = address.port.map(String.init) ?? "?"
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
