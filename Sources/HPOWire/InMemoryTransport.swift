import Foundation
import HPORuntime

/// An in-process transport for tests of the coordinator and worker shells: one hub, any number
/// of clients. Messages are delivered in order; wake-ups use the same `Waker` as the live transport.
package final class InMemoryHub: @unchecked Sendable {
    private let lock = NSLock()
    private var serverInbox: [InboundMessage] = []
    private var clientInboxes: [PeerID: [Frames]] = [:]
    private var clientWakers: [PeerID: Waker] = [:]
    private var nextPeer: UInt32 = 1
    let serverWaker: Waker

    /// `serverWaker` is the waker the server side also uses for its own wake-ups.
    package init(serverWaker: Waker = Waker()) { self.serverWaker = serverWaker }

    package func makeServer() -> InMemoryServerTransport { InMemoryServerTransport(hub: self) }

    /// A new client, woken by `waker` when a message arrives for it.
    package func makeClient(waker: Waker = Waker()) -> InMemoryClientTransport {
        lock.lock()
        defer { lock.unlock() }
        let id = PeerID(withUnsafeBytes(of: nextPeer.bigEndian) { Array($0) })
        nextPeer += 1
        clientInboxes[id] = []
        clientWakers[id] = waker
        return InMemoryClientTransport(hub: self, id: id, waker: waker)
    }

    /// Removes a client: later messages to it are dropped, as for a vanished ZeroMQ peer.
    package func disconnect(_ peer: PeerID) {
        lock.lock()
        defer { lock.unlock() }
        clientInboxes[peer] = nil
        clientWakers[peer] = nil
    }

    func post(toServer message: InboundMessage) {
        lock.lock()
        serverInbox.append(message)
        lock.unlock()
        serverWaker.wake()
    }

    func post(_ frames: Frames, to peer: PeerID) {
        lock.lock()
        guard clientInboxes[peer] != nil else {
            lock.unlock()
            return
        }
        clientInboxes[peer]?.append(frames)
        let waker = clientWakers[peer]
        lock.unlock()
        waker?.wake()
    }

    func takeServerMessages(limit: Int) -> [InboundMessage] {
        lock.lock()
        defer { lock.unlock() }
        let taken = Array(serverInbox.prefix(limit))
        serverInbox.removeFirst(taken.count)
        return taken
    }

    func takeClientMessages(_ peer: PeerID, limit: Int) -> [Frames] {
        lock.lock()
        defer { lock.unlock() }
        let taken = Array((clientInboxes[peer] ?? []).prefix(limit))
        clientInboxes[peer]?.removeFirst(taken.count)
        return taken
    }
}

package final class InMemoryServerTransport: ServerTransport {
    let hub: InMemoryHub
    init(hub: InMemoryHub) { self.hub = hub }

    package func receive(timeoutMilliseconds: Int32, limit: Int) throws -> [InboundMessage] {
        let queued = hub.takeServerMessages(limit: limit)
        if !queued.isEmpty { return queued }
        hub.serverWaker.wait(timeoutMilliseconds: timeoutMilliseconds)
        return hub.takeServerMessages(limit: limit)
    }

    package func send(_ frames: Frames, to peer: PeerID) throws { hub.post(frames, to: peer) }
}

package final class InMemoryClientTransport: ClientTransport {
    let hub: InMemoryHub
    package let id: PeerID
    let waker: Waker

    init(hub: InMemoryHub, id: PeerID, waker: Waker) {
        self.hub = hub
        self.id = id
        self.waker = waker
    }

    package func receive(timeoutMilliseconds: Int32, limit: Int) throws -> [Frames] {
        let queued = hub.takeClientMessages(id, limit: limit)
        if !queued.isEmpty { return queued }
        waker.wait(timeoutMilliseconds: timeoutMilliseconds)
        return hub.takeClientMessages(id, limit: limit)
    }

    package func send(_ frames: Frames) throws { hub.post(toServer: InboundMessage(peer: id, frames: frames)) }
}
