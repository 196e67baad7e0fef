import Foundation

/// One message on the wire: its frames, as bytes.
package typealias Frames = [[UInt8]]

/// The identity of a connected peer as the server side sees it (ZeroMQ's routing id).
package struct PeerID: Hashable, Sendable, CustomStringConvertible {
    package var bytes: [UInt8]
    package init(_ bytes: [UInt8]) { self.bytes = bytes }
    package var description: String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// A message received by the server side, with its sender.
package struct InboundMessage: Sendable {
    package var peer: PeerID
    package var frames: Frames
    /// With CURVE: the sender's public key (Z85) as authenticated by libzmq (the ZAP handler's
    /// user id), so a worker's name can be bound to its key. Nil without authentication.
    package var credential: String?
    package init(peer: PeerID, frames: Frames, credential: String? = nil) {
        self.peer = peer
        self.frames = frames
        self.credential = credential
    }
}

/// The coordinator's end: many peers. Used from one thread only (the one that created it).
package protocol ServerTransport: AnyObject {
    /// Waits until a message arrives, the waker fires or `timeoutMilliseconds` pass (-1: no limit),
    /// then returns every message already queued, up to `limit` (possibly none).
    func receive(timeoutMilliseconds: Int32, limit: Int) throws -> [InboundMessage]
    /// Sends a message to one peer. A peer that is gone is not an error (the message is dropped).
    func send(_ frames: Frames, to peer: PeerID) throws
}

/// A worker's end: one coordinator. Used from one thread only (the one that created it).
package protocol ClientTransport: AnyObject {
    /// Waits until a message arrives, the waker fires or `timeoutMilliseconds` pass (-1: no limit),
    /// then returns every message already queued, up to `limit` (possibly none).
    func receive(timeoutMilliseconds: Int32, limit: Int) throws -> [Frames]
    /// Queues a message for the coordinator.
    func send(_ frames: Frames) throws
}
