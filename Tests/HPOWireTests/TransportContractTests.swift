import Foundation
import HPORuntime
import HPOWire
import HPOZeroMQ
import Testing

/// The transports under one contract: whatever the coordinator and worker shells rely on must
/// hold for the in-memory transport their tests use and for ZeroMQ on loopback alike.
enum TransportKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory
    case zeroMQ

    var testDescription: String { rawValue }

    /// A server and a way to connect clients to it, made on the calling thread.
    func makeHarness() throws -> TransportHarness {
        switch self {
        case .inMemory:
            let hub = InMemoryHub()
            return TransportHarness(server: hub.makeServer()) { hub.makeClient() }
        case .zeroMQ:
            let context = try ZeroMQContext()
            let server = try ZeroMQServerTransport(context: context, bind: "tcp://127.0.0.1:*", waker: Waker())
            let endpoint = server.boundEndpoint
            return TransportHarness(server: server) {
                try ZeroMQClientTransport(context: context, connect: endpoint, waker: Waker())
            }
        }
    }
}

final class TransportHarness {
    let server: any ServerTransport
    private let connect: () throws -> any ClientTransport

    init(server: any ServerTransport, connect: @escaping () throws -> any ClientTransport) {
        self.server = server
        self.connect = connect
    }

    func makeClient() throws -> any ClientTransport { try connect() }
}

@Suite("Transport contract")
struct TransportContractTests {
    typealias Support = ZMQTestSupport

    private func message(_ label: String, _ index: Int) -> Frames {
        [Support.bytes(label), Support.bytes(String(index))]
    }

    @Test(
        "a client's messages arrive in order, multipart intact, with one stable PeerID",
        arguments: TransportKind.allCases)
    func ordered(kind: TransportKind) throws {
        let harness = try kind.makeHarness()
        let client = try harness.makeClient()
        let sent = (0..<50).map { message("seq", $0) } + [[[], Support.bytes("after an empty frame"), []]]
        for frames in sent { try client.send(frames) }

        let received = try Support.receive(from: harness.server, count: sent.count)
        #expect(received.map(\.frames) == sent)
        #expect(Set(received.map(\.peer)).count == 1)
    }

    @Test("the server's reply reaches that client only", arguments: TransportKind.allCases)
    func replyReachesOnlyItsClient(kind: TransportKind) throws {
        let harness = try kind.makeHarness()
        let alice = try harness.makeClient()
        let bob = try harness.makeClient()
        try alice.send([Support.bytes("alice")])
        try bob.send([Support.bytes("bob")])
        let hellos = try Support.receive(from: harness.server, count: 2)
        let peers = Dictionary(uniqueKeysWithValues: hellos.map { ($0.frames[0], $0.peer) })
        let alicePeer = try #require(peers[Support.bytes("alice")])
        let bobPeer = try #require(peers[Support.bytes("bob")])

        try harness.server.send([Support.bytes("for alice")], to: alicePeer)
        try harness.server.send([Support.bytes("for bob")], to: bobPeer)
        // Each client's first message is its own reply: nothing leaked across.
        #expect(try Support.receive(from: alice, count: 1) == [[Support.bytes("for alice")]])
        #expect(try Support.receive(from: bob, count: 1) == [[Support.bytes("for bob")]])
        #expect(try alice.receive(timeoutMilliseconds: 20, limit: 10).isEmpty)
        #expect(try bob.receive(timeoutMilliseconds: 20, limit: 10).isEmpty)
    }

    @Test("two clients are told apart, each in its own order", arguments: TransportKind.allCases)
    func clientsToldApart(kind: TransportKind) throws {
        let harness = try kind.makeHarness()
        let first = try harness.makeClient()
        let second = try harness.makeClient()
        for index in 0..<10 {
            try first.send(message("first", index))
            try second.send(message("second", index))
        }
        let received = try Support.receive(from: harness.server, count: 20)
        let byPeer = Dictionary(grouping: received, by: \.peer)
        #expect(byPeer.count == 2)
        let sequences = Set(byPeer.values.map { $0.map(\.frames) })
        #expect(sequences == [(0..<10).map { message("first", $0) }, (0..<10).map { message("second", $0) }])
    }

    @Test("limit caps what one receive returns, at both ends", arguments: TransportKind.allCases)
    func limitCapsReceive(kind: TransportKind) throws {
        let harness = try kind.makeHarness()
        let client = try harness.makeClient()
        let sent = (0..<10).map { message("m", $0) }
        for frames in sent { try client.send(frames) }

        var serverBatches: [[InboundMessage]] = []
        let deadline = Date().addingTimeInterval(20)  // a deadline, not an expectation: loaded machines are slow
        while serverBatches.joined().count < sent.count, Date() < deadline {
            serverBatches.append(try harness.server.receive(timeoutMilliseconds: 50, limit: 3))
        }
        #expect(serverBatches.allSatisfy { $0.count <= 3 })
        #expect(serverBatches.joined().map(\.frames) == sent)
        let peer = try #require(serverBatches.joined().first?.peer)

        for frames in sent { try harness.server.send(frames, to: peer) }
        var clientBatches: [[Frames]] = []
        while clientBatches.joined().count < sent.count, Date() < deadline {
            clientBatches.append(try client.receive(timeoutMilliseconds: 50, limit: 3))
        }
        #expect(clientBatches.allSatisfy { $0.count <= 3 })
        #expect(Array(clientBatches.joined()) == sent)
    }

    @Test("a send to a peer that is gone is not an error", arguments: TransportKind.allCases)
    func sendToGonePeer(kind: TransportKind) throws {
        let harness = try kind.makeHarness()
        try harness.server.send([Support.bytes("lost")], to: PeerID([0x00, 0xde, 0xad, 0xbe, 0xef]))
        #expect(try harness.server.receive(timeoutMilliseconds: 0, limit: 10).isEmpty)
    }
}
