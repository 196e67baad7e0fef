/// Why `hpo serve` cannot start.
package enum ServeError: Error, Equatable, CustomStringConvertible {
    case badPath(String, String)
    case badBind(String, String)
    case tokenRequired(String)
    case badTokenFile(String, String)

    package var description: String {
        switch self {
        case .badPath(let path, let reason): path.isEmpty ? reason : "\(path): \(reason)"
        case .badBind(let address, let reason): "--bind \(address): \(reason)"
        case .tokenRequired(let address):
            "--bind \(address) is not a loopback address: anyone who can reach it could read the studies; "
                + "give --token-file FILE (and put TLS in front, docs/serve.md)"
        case .badTokenFile(let path, let reason): "--token-file \(path): \(reason)"
        }
    }
}
