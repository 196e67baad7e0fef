import HPOControl
import HPOZeroMQ
import Logging

/// `--control`: the control address, bound before the study starts so a taken port or a refused
/// address fails at once (docs/security.md, "Who may control a study").
enum ControlSetup {
    /// The bound control server, or nil without `--control`. With the coordinator's CURVE
    /// settings, clients must hold an authorised key (on loopback too); without them, only a
    /// loopback address is accepted.
    static func server(endpoint: String?, curve: CurveServerSettings?, logger: Logger) throws -> ControlServer? {
        guard let endpoint else { return nil }
        let server: ControlServer
        do {
            server = try ControlServer(bind: endpoint, curve: curve)
        } catch let error as ControlSetupError {
            throw SetupFailure(error.description)
        } catch {
            throw SetupFailure("cannot bind the control address \(endpoint): \(error)")
        }
        server.onSecurityEvent = { event in
            switch event {
            case .admittedKey(let key, let address):
                logger.info("control client key admitted", metadata: ["key": "\(key)", "address": "\(address)"])
            case .refusedKey(let key, let address):
                logger.warning(
                    "refused a control client: key not authorised", metadata: ["key": "\(key)", "address": "\(address)"]
                )
            case .handshakeFailed(let address, let reason):
                logger.warning("refused a control connection: \(reason)", metadata: ["address": "\(address)"])
            }
        }
        return server
    }
}
