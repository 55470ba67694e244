import KaopingClient

extension HandshakeRefused {
    /// What the operator does about a refused connection, in the words of the command's options: `control` for the
    /// commands that take `--key` (status, reopen, keys), otherwise the feed's (watch, export).
    func remedy(control: Bool) -> String {
        switch failure {
        case .mechanismMismatch where encrypted:
            return "give --aggregator-key without its CURVE key (the line's third word), or turn CURVE on there"
        case .mechanismMismatch:
            return "give --aggregator-key the aggregator's whole keyring line (its third word is the CURVE key)"
                + (control ? " and --key the operator's key file" : "")
        case .refused:
            return control
                ? "list the operator key's keyring line, with its CURVE key, in the aggregator's keyring and reload it"
                : "only viewers and operators read the results: ask the operator to list this key's line (its "
                    + "submitter viewer:NAME, with its CURVE key) in the keyring and reload it"
        case .other:
            return "check that the endpoint is a Kaoping aggregator's"
        case .closedWithoutReason:
            return "check --aggregator-key against the aggregator's keyring line (its third word, the CURVE key, only "
                + "if CURVE is on there)" + (control ? " and that --key is listed in its keyring" : "")
        }
    }
}
