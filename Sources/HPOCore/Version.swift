/// The software version, reported by `hpo version`, in `hello` and in the results log.
package enum HPOVersion {
    package static let current = "0.1.0"
}
