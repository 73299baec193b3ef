;;; lib.el --- what the Emacs real-editor tests share  -*- lexical-binding: t -*-
;;
;; Loaded by test.el and companion.el. Finds go-mode (Debian's elpa-go-mode, also from an
;; Emacs that is not Debian's), and gives the tests their log (E2E_RESULT), checks, waits,
;; a record of the settings goescape.el sends over the wire, and their start: a hard
;; timeout (E2E_TIMEOUT_MS), then E2E-MAIN at once in batch or from the command loop in a
;; terminal.

(require 'package)
(package-initialize)                    ; Debian's elpa-eglot / elpa-go-mode on Emacs 28
(unless (require 'go-mode nil t)        ; an Emacs that is not Debian's (Emacs 30 unpacked)
  (dolist (d (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa-src/go-mode-*"))
    (add-to-list 'load-path d))
  (let ((byte-compile-warnings nil)) (require 'go-mode nil t)))
(unless (fboundp 'go-mode)
  (error "go-mode is not installed (apt-get install elpa-go-mode)"))
(require 'cl-lib)
(require 'eglot)
(require 'flymake)
(require 'json)
(require 'subr-x)

(defvar e2e-result (getenv "E2E_RESULT"))
(defvar e2e-wait (/ (string-to-number (or (getenv "E2E_WAIT_MS") "60000")) 1000.0))
(defvar e2e-t0 (float-time))
(defvar e2e-lines nil)
(defvar e2e-failures 0)

(defun e2e-log (fmt &rest args)
  (let ((s (format "[%6.0f ms] %s" (* 1000 (- (float-time) e2e-t0)) (apply #'format fmt args))))
    (push s e2e-lines)
    (when noninteractive (princ (concat s "\n") #'external-debugging-output))))

(defun e2e-check (ok what)
  (e2e-log "%s%s" (if ok "ok   " "FAIL ") what)
  (unless ok (cl-incf e2e-failures))
  ok)

(defun e2e-proc-words (file)
  "The words of the /proc FILE (NUL-separated too), or nil when it is gone."
  (ignore-errors
    (with-temp-buffer
      (insert-file-contents file)
      (split-string (buffer-string) "[ \n\0]+" t))))

(defun e2e-proc-alive-p (pid)
  "Non-nil while PID runs (a zombie does not)."
  (let ((stat (e2e-proc-words (format "/proc/%d/stat" pid))))
    (and stat (not (equal (nth 2 stat) "Z")))))

(defun e2e-server-children ()
  "The PIDs of the processes the current buffer's server started (gopls in companion mode)."
  (let* ((s (eglot-current-server))
         (pid (and s (process-id (jsonrpc--process s)))))
    (and pid (mapcar #'string-to-number
                     (e2e-proc-words (format "/proc/%d/task/%d/children" pid pid))))))

(defun e2e-shutdown ()
  "Shut the current buffer's server down with `eglot-shutdown', which kills it right
after `exit'; return non-nil when what it started (gopls) ended within 10 s too."
  (let ((kids (e2e-server-children))
        (t0 (float-time)))
    (let ((eglot-autoshutdown nil)) (eglot-shutdown (eglot-current-server)))
    (e2e-log "eglot-shutdown took %.1f s" (- (float-time) t0))
    (prog1 (e2e-wait (lambda () (cl-notany #'e2e-proc-alive-p kids)) 10)
      (when kids (e2e-log "the server's children %S ended %.1f s after eglot-shutdown began"
                          kids (- (float-time) t0))))))

(defun e2e-finish (code)
  (ignore-errors
    (when (eglot-current-server)
      (let ((kids (e2e-server-children)))
        (when (and (not (e2e-shutdown)) kids)
          (e2e-check nil (format "the server's children %S still run after eglot-shutdown" kids))))))
  (let ((pass (and (= code 0) (= e2e-failures 0))))
    (e2e-log "%s: %d failure(s)" (if pass "PASS" "FAIL") e2e-failures)
    (with-temp-file e2e-result
      (insert (mapconcat #'identity (reverse e2e-lines) "\n") "\n"))
    (kill-emacs (if pass 0 1))))

(defun e2e-wait (pred &optional secs)
  "Run the event loop until PRED is non-nil or SECS pass; return PRED's value.
In a terminal, Emacs waits as it does for a user who types nothing: `sit-for'
redisplays when there is no input, runs timers and reads process output."
  (let ((deadline (+ (float-time) (or secs e2e-wait))) v)
    (while (and (not (setq v (funcall pred))) (< (float-time) deadline))
      (if noninteractive
          (accept-process-output nil 0.05)
        (sit-for 0.05))
      (when (bound-and-true-p flymake-mode) (flymake-start)))
    v))

;;; The settings goescape.el sends: every message eglot writes to the server, as jsonrpc
;;; is asked to send it (initializationOptions, workspace/didChangeConfiguration), and
;;; every answer to the server's workspace/configuration.

(defvar e2e-sent nil
  "(KIND . KEYS) for each goescape settings object sent, newest first.
KIND is initialize, didChangeConfiguration or configuration; KEYS the sorted
setting names the object holds.")

(defun e2e-keys (obj)
  "The sorted keys of the JSON object OBJ (a hash table or a plist)."
  (sort (cond ((hash-table-p obj) (hash-table-keys obj))
              ((and (listp obj) (keywordp (car obj)))
               (cl-loop for k in obj by #'cddr collect (substring (symbol-name k) 1))))
        #'string<))

(defun e2e-record-send (_conn &rest args)
  "Record the goescape settings in the message ARGS describe, if any."
  (ignore-errors
    (let* ((method (string-remove-prefix ":" (format "%s" (plist-get args :method))))
           (params (plist-get args :params))
           (where (pcase method
                    ("initialize" (plist-get params :initializationOptions))
                    ("workspace/didChangeConfiguration" (plist-get params :settings))))
           (g (and (listp where) (plist-get where :goescape))))
      (when g
        (push (cons (if (equal method "initialize") 'initialize 'didChangeConfiguration)
                    (e2e-keys g))
              e2e-sent)))))
(advice-add 'jsonrpc-connection-send :before #'e2e-record-send)

(advice-add 'eglot-handle-request :around
            (lambda (next server method &rest args)
              (let ((answer (apply next server method args)))
                (when (and (eq method 'workspace/configuration) (vectorp answer))
                  (cl-loop for item across (vconcat (plist-get args :items))
                           for v across answer
                           when (equal (plist-get item :section) "goescape")
                           do (push (cons 'configuration (e2e-keys v)) e2e-sent)))
                answer)))

(defun e2e-sent-keys (kind)
  "Every KEYS list sent as KIND, oldest first."
  (reverse (mapcar #'cdr (cl-remove-if-not (lambda (s) (eq (car s) kind)) e2e-sent))))

(defun e2e-start (main)
  "Run MAIN under the hard timeout; in a terminal, from the command loop."
  (run-at-time (/ (string-to-number (or (getenv "E2E_TIMEOUT_MS") "170000")) 1000.0) nil
               (lambda () (e2e-log "TIMEOUT") (cl-incf e2e-failures) (e2e-finish 2)))
  (let ((run (lambda ()
               (condition-case err
                   (funcall main)
                 (error (e2e-check nil (format "test raised: %S" err))
                        (e2e-finish 1))))))
    (if noninteractive
        (funcall run)
      ;; in a terminal: start from the command loop, with the screen set up as for a user
      (setq inhibit-startup-screen t)
      (menu-bar-mode -1)
      (run-at-time 0 nil run))))

(provide 'e2e-lib)
;;; lib.el ends here
