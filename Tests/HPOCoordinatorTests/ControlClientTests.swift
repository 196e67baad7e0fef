import Foundation
import HPOControl
import HPOCore
import Testing

/// `ControlClient` and `ControlServer` over a real ZeroMQ socket (`ipc://`, in-host).
@Suite struct ControlClientTests {
    func endpoint() -> String { "ipc://\(NSTemporaryDirectory())hpo-control-\(UUID().uuidString.prefix(8))" }

    /// Serves `server` until `done` holds or 20 s pass, answering each request with `reply`;
    /// returns the requests in the order they arrived.
    func serve(_ server: ControlServer, until done: ([ControlRequest]) -> Bool) throws -> [ControlRequest] {
        var seen: [ControlRequest] = []
        let deadline = Date().addingTimeInterval(20)
        while !done(seen) && Date() < deadline {
            for inbound in try server.receive() {
                if case .success(let request) = inbound.request { seen.append(request) }
                try server.reply(ControlReply(accepted: true, message: "ok"), to: inbound)
            }
            usleep(2_000)
        }
        return seen
    }

    @Test("a request answered: the reply matches it")
    func roundTrip() throws {
        let address = endpoint()
        let server = try ControlServer(bind: address, curve: nil)
        let client = try ControlClient(endpoint: address, curve: nil)
        let request = ControlRequest(action: .addBudget(trials: 3), origin: "test")
        let reply = Reply()
        let thread = Thread { reply.set(try? client.send(request, timeout: 20)) }
        thread.start()
        let seen = try serve(server) { !$0.isEmpty && reply.get() != nil }
        #expect(seen == [request])
        #expect(reply.get() == ControlReply(accepted: true, message: "ok"))
    }

    @Test("a request that timed out is never delivered later, to a coordinator that comes up afterwards")
    func timedOutNeverDelivered() throws {
        let address = endpoint()
        let client = try ControlClient(endpoint: address, curve: nil)
        let stale = ControlRequest(action: .stopStudy, origin: "timed out")
        #expect(throws: ControlClientError.self) { try client.send(stale, timeout: 0.2) }
        let server = try ControlServer(bind: address, curve: nil)
        let fresh = ControlRequest(action: .stopTrial(trial: TrialID(4)), origin: "fresh")
        let reply = Reply()
        let thread = Thread { reply.set(try? client.send(fresh, timeout: 20)) }
        thread.start()
        // Requests of one connection arrive in order: had the stale one been kept, it would come first.
        let seen = try serve(server) { $0.contains(fresh) && reply.get() != nil }
        #expect(seen == [fresh])
        #expect(reply.get()?.accepted == true)
    }

    /// A reply handed from the client's thread to the test's.
    final class Reply: @unchecked Sendable {
        private let lock = NSLock()
        private var value: ControlReply?
        func set(_ reply: ControlReply?) {
            lock.lock()
            value = reply
            lock.unlock()
        }
        func get() -> ControlReply? {
            lock.lock()
            defer { lock.unlock() }
            return value
        }
    }
}
