import Foundation
import Hummingbird
import NIOCore

/// The Server-Sent Events fan-out: every subscriber has a bounded queue of events (the same bytes
/// shared by all, not copied). A subscriber whose queue is full has not taken `queueLimit`
/// events: it is not reading, so it is closed (`close`) and forgotten rather than buffered for.
/// At most `maxSubscribers` at once; the next one is refused.
package final class Broadcaster: @unchecked Sendable {
    package struct Subscription: Sendable {
        package var id: Int
        package var events: AsyncStream<ByteBuffer>
    }

    package let queueLimit: Int
    package let maxSubscribers: Int
    private let lock = NSLock()
    private var subscribers: [Int: (queue: AsyncStream<ByteBuffer>.Continuation, close: @Sendable () -> Void)] = [:]
    private var nextID = 0
    private var closedSlow = 0

    package init(queueLimit: Int = 16, maxSubscribers: Int = 1000) {
        self.queueLimit = queueLimit
        self.maxSubscribers = maxSubscribers
    }

    /// A new subscriber starting with `first`; nil when `maxSubscribers` are subscribed already.
    /// `close` ends the subscriber's connection (called at most once, when it falls behind).
    package func subscribe(first: ByteBuffer, close: @escaping @Sendable () -> Void) -> Subscription? {
        let (stream, continuation) = AsyncStream.makeStream(
            of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(queueLimit))
        lock.lock()
        guard subscribers.count < maxSubscribers else {
            lock.unlock()
            continuation.finish()
            return nil
        }
        nextID += 1
        let id = nextID
        subscribers[id] = (continuation, close)
        lock.unlock()
        continuation.yield(first)
        return Subscription(id: id, events: stream)
    }

    package func unsubscribe(_ id: Int) {
        lock.lock()
        let subscriber = subscribers.removeValue(forKey: id)
        lock.unlock()
        subscriber?.queue.finish()
    }

    /// Queues `event` for every subscriber, closing those whose queue is full.
    package func publish(_ event: ByteBuffer) {
        lock.lock()
        var slow: [(AsyncStream<ByteBuffer>.Continuation, @Sendable () -> Void)] = []
        for (id, subscriber) in subscribers {
            if case .dropped = subscriber.queue.yield(event) {
                subscribers[id] = nil
                slow.append(subscriber)
            }
        }
        closedSlow += slow.count
        lock.unlock()
        for (queue, close) in slow {
            queue.finish()
            close()
        }
    }

    package var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return subscribers.count
    }

    /// Subscribers closed so far because they stopped reading.
    package var slowClosed: Int {
        lock.lock()
        defer { lock.unlock() }
        return closedSlow
    }

    /// Ends every subscription (the server is stopping).
    package func finishAll() {
        lock.lock()
        let all = subscribers.values
        subscribers = [:]
        lock.unlock()
        for subscriber in all { subscriber.queue.finish() }
    }

    /// One Server-Sent Event: `event: NAME` and `data:` lines.
    package static func event(_ name: String, data: String) -> ByteBuffer {
        var text = "event: \(name)\n"
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return ByteBuffer(string: text + "\n")
    }
}
