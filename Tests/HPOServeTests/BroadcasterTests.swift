import Foundation
import Hummingbird
import Testing

@testable import HPOServe

/// The fan-out's bounds: a subscriber that takes nothing is closed once its queue is full; the
/// others keep every event; one subscriber too many is refused.
struct BroadcasterTests {
    final class Closed: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func mark() {
            lock.lock()
            count += 1
            lock.unlock()
        }
        var value: Int {
            lock.lock()
            defer { lock.unlock() }
            return count
        }
    }

    @Test("a subscriber that never reads is closed after its queue fills; a reading one gets every event")
    func slowSubscriberClosed() async throws {
        let broadcaster = Broadcaster(queueLimit: 4, maxSubscribers: 2)
        let stalled = Closed()
        let reading = Closed()
        let closeStalled: @Sendable () -> Void = { stalled.mark() }
        let closeReading: @Sendable () -> Void = { reading.mark() }
        let never = broadcaster.subscribe(first: ByteBuffer(string: "0"), close: closeStalled)
        let subscribed = broadcaster.subscribe(first: ByteBuffer(string: "0"), close: closeReading)
        #expect(never != nil)
        let reader = try #require(subscribed)
        #expect(broadcaster.subscribe(first: ByteBuffer(), close: {}) == nil, "a third is one too many")
        var received: [String] = []
        var iterator = reader.events.makeAsyncIterator()
        received.append(String(buffer: try #require(await iterator.next())))
        for n in 1...10 {
            broadcaster.publish(ByteBuffer(string: "\(n)"))
            received.append(String(buffer: try #require(await iterator.next())))
        }
        #expect(received == (0...10).map(String.init))
        #expect(stalled.value == 1, "closed once")
        #expect(reading.value == 0)
        #expect(broadcaster.slowClosed == 1)
        #expect(broadcaster.count == 1)
        _ = never
    }

    @Test("an event's data lines are each prefixed")
    func eventFormat() {
        #expect(String(buffer: Broadcaster.event("studies", data: "a\nb")) == "event: studies\ndata: a\ndata: b\n\n")
    }
}
