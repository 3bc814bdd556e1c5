package smtptest_test

import (
	"errors"
	"fmt"
	"log"
	"net/smtp"
	"net/textproto"

	"github.com/integrations/smtp/smtptest"
)

func ExampleNewServer() {
	srv, err := smtptest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	msg := "Subject: Hello\r\n\r\nHi Bob.\r\n"
	err = smtp.SendMail(srv.Addr(), nil, "alice@example.com", []string{"bob@example.com"}, []byte(msg))
	if err != nil {
		log.Fatal(err)
	}

	for _, m := range srv.Messages() {
		fmt.Printf("from %s to %v\n%q\n", m.From, m.To, m.Data)
	}
	fmt.Println(srv.Verbs())
	// Output:
	// from alice@example.com to [bob@example.com]
	// "Subject: Hello\r\n\r\nHi Bob.\r\n"
	// [EHLO MAIL RCPT DATA QUIT]
}

func ExampleServer_RejectRecipient() {
	srv, err := smtptest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.RejectRecipient("nobody@example.com", 550, "5.1.1", "No such user")

	err = smtp.SendMail(srv.Addr(), nil, "alice@example.com", []string{"nobody@example.com"}, []byte("Hi.\r\n"))
	var te *textproto.Error
	if errors.As(err, &te) {
		fmt.Println(te.Code, te.Msg)
	}
	// Output:
	// 550 5.1.1 No such user
}

func ExampleServer_FailAt() {
	srv, err := smtptest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.FailTimes("DATA", 1, 451, "4.3.0 Queue full, try later")

	for range 2 {
		err := smtp.SendMail(srv.Addr(), nil, "alice@example.com", []string{"bob@example.com"}, []byte("Hi.\r\n"))
		var te *textproto.Error
		if errors.As(err, &te) {
			fmt.Println(te.Code, te.Msg)
		} else {
			fmt.Println(err)
		}
	}
	fmt.Println(len(srv.Messages()), "message")
	// Output:
	// 451 4.3.0 Queue full, try later
	// <nil>
	// 1 message
}

func ExampleWithSTARTTLS() {
	srv, err := smtptest.NewServer(smtptest.WithSTARTTLS(), smtptest.WithAuth("alice", "secret"))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(srv.ClientTLSConfig()); err != nil {
		log.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "alice", "secret", srv.Host())); err != nil {
		log.Fatal(err)
	}
	fmt.Println("authenticated over TLS")
	// Output:
	// authenticated over TLS
}
