package auth

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// TokenUsage describes the "relay token" subcommands.
const TokenUsage = `usage:
  relay token add <user>      issue a token for user (printed once, stored hashed)
  relay token revoke <user>   delete user's token
  relay token list            list users with a token`

// RunTokenCommand runs "relay token <args...>" against the tokens file in dataDir.
func RunTokenCommand(args []string, dataDir string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(TokenUsage)
	}
	s, err := Open(dataDir)
	if err != nil {
		return err
	}
	switch {
	case args[0] == "add" && len(args) == 2:
		token, err := s.Add(args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token for %s (shown once, keep it secret):\n%s\n", args[1], token)
		return nil
	case args[0] == "revoke" && len(args) == 2:
		if err := s.Revoke(args[1]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s\n", args[1])
		return nil
	case args[0] == "list" && len(args) == 1:
		entries, err := s.List()
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tCREATED")
		for _, e := range entries {
			fmt.Fprintf(tw, "%s\t%s\n", e.User, e.Created.Format(time.RFC3339))
		}
		return tw.Flush()
	}
	return errors.New(TokenUsage)
}
