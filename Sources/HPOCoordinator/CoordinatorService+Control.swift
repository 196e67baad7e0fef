import HPOControl
import HPOCore
import Logging

/// The control address on the coordinator's loop: each turn takes the requests waiting (without
/// blocking: the loop wakes at least every tick), feeds them to the state machine, and answers
/// them only after the turn's journal events are durable, so an accepted action is in the log
/// before its client hears of it.
extension CoordinatorService {
    /// Feeds the requests waiting on `control` to the state machine; returns the replies to send
    /// once `actions` are applied. A malformed request is answered with why, and logged.
    func serveControl(_ control: ControlServer, now: Double, into actions: inout CoordinatorActions) throws
        -> [(ControlInbound, ControlReply)]
    {
        var replies: [(ControlInbound, ControlReply)] = []
        for inbound in try control.receive() {
            switch inbound.request {
            case .failure(let error):
                logger.warning(
                    "refused a malformed control request",
                    metadata: ["peer": "\(inbound.peer)", "error": "\(error)", "key": "\(inbound.credential ?? "-")"])
                replies.append((inbound, ControlReply(accepted: false, message: "refused: \(error)")))
            case .success(let request):
                let served = machine.control(request, clientKey: inbound.credential, now: now)
                actions.append(served.actions)
                logger.notice(
                    "control request \(served.reply.accepted ? "accepted" : "refused")",
                    metadata: [
                        "action": "\(request.action.name)", "origin": "\(request.origin)",
                        "reply": "\(served.reply.message)"
                    ])
                replies.append((inbound, served.reply))
            }
        }
        return replies
    }

    /// Sends the replies of this turn (after its journal events are durable).
    func sendControlReplies(_ replies: [(ControlInbound, ControlReply)], on control: ControlServer) throws {
        for (inbound, reply) in replies { try control.reply(reply, to: inbound) }
    }
}
