;;; companion.el --- Emacs 30 + eglot with goescape in companion mode, set up as README.md says  -*- lexical-binding: t -*-
;;
;;   emacs -nw -q -l tests/e2e/emacs/companion.el   (in a terminal: lib/in-tmux.sh)
;;
;; env: PATH with `goescape' and `gopls' on it (nothing names either to Emacs),
;;      E2E_PLUGIN (editors/emacs), E2E_WORK (scratch directory), E2E_RESULT, E2E_WAIT_MS,
;;      E2E_TMUX (tmux socket and pane)
;; The user's init is README.md's Emacs section and nothing else: load goescape.el, call
;; `goescape-register', add `eglot-ensure' to `go-mode-hook'; one server setting is
;; changed. The test writes a small module of its own (used by no other test), opens its
;; file with the keys C-x C-f FILE RET, and asserts in that one buffer, served by one eglot
;; server: gopls's completion of fmt.Pr (Println in *Completions*), an xref jump to a
;; definition (M-.), goescape's escapes as flymake diagnostics on each line where
;; `go build -gcflags=-m=2' reports a heap escape and an inlay hint on the first, eldoc at an
;; escape with both gopls's part and the escape section, that only the changed setting was
;; sent, and that no gopls is left after eglot-shutdown.

(load (expand-file-name "lib.el" (file-name-directory load-file-name)) nil t)
(add-to-list 'load-path (getenv "E2E_PLUGIN"))

;; --- the user's init.el, as README.md has it ---------------------------------------------
(require 'goescape)
(goescape-register)
(add-hook 'go-mode-hook #'eglot-ensure)
(setopt goescape-debounce-ms 200)       ; a setting the user changed
;; ------------------------------------------------------------------------------------------

(defconst e2e-source "// Package fresh is written by the Emacs companion-mode test.
package fresh

import \"fmt\"

type Point struct{ X, Y int }

func NewPoint(x, y int) *Point {
\tp := Point{X: x, Y: y}
\treturn &p
}

func Names(n int) map[int]string {
\tnames := make(map[int]string, n)
\treturn names
}

func Describe() string {
\tq := NewPoint(1, 2)
\treturn fmt.Sprint(q.X)
}
")

(defun e2e-write-module ()
  "Write the module into E2E_WORK/fresh; return its file's name."
  (let ((dir (expand-file-name "fresh/" (getenv "E2E_WORK"))))
    (make-directory dir t)
    (with-temp-file (expand-file-name "go.mod" dir)
      (insert "module example.com/fresh\n\ngo 1.22\n"))
    (with-temp-file (expand-file-name "fresh.go" dir)
      (insert e2e-source))
    (expand-file-name "fresh.go" dir)))

(defun e2e-compiler-escapes (dir)
  "The heap escapes `go build -gcflags=-m=2' reports in DIR: ((LINE . MESSAGE-START) ...).
LINE is 1-based; MESSAGE-START is how goescape's message must begin: \"X moved to
heap\" or \"X escapes to heap\"."
  (let ((default-directory dir) out)
    (with-temp-buffer
      (call-process "go" nil t nil "build" "-gcflags=-m=2" "-o" null-device ".")
      (goto-char (point-min))
      (while (re-search-forward
              "^\\./fresh\\.go:\\([0-9]+\\):[0-9]+: \\(?:moved to heap: \\(.+\\)\\|\\(.+\\) escapes to heap\\)$"
              nil t)
        (push (cons (string-to-number (match-string 1))
                    (if (match-string 2)
                        (concat (match-string 2) " moved to heap")
                      (concat (match-string 3) " escapes to heap")))
              out)))
    (delete-dups (nreverse out))))

(defun e2e-goescape-diags ()
  "goescape's flymake diagnostics as ((LINE . MESSAGE) ...), LINE 1-based."
  (cl-loop for d in (flymake-diagnostics)
           for data = (flymake-diagnostic-data d)
           for lsp = (and (listp data) (cdr (assoc 'eglot-lsp-diag data)))
           when (equal (plist-get lsp :source) "goescape")
           collect (cons (line-number-at-pos (flymake-diagnostic-beg d)) (plist-get lsp :message))))

(defun e2e-has-escape (e)
  (cl-some (lambda (d) (and (= (car d) (car e)) (string-prefix-p (cdr e) (cdr d))))
           (e2e-goescape-diags)))

(defun e2e-hint-on-line (line)
  "The text of the inlay hint overlays on LINE (1-based) if one says heap, else nil."
  (let ((text (save-excursion
                (goto-char (point-min))
                (forward-line (1- line))
                (mapconcat (lambda (o) (or (overlay-get o 'before-string) (overlay-get o 'after-string) ""))
                           (cl-remove-if-not (lambda (o) (overlay-get o 'eglot--inlay-hint))
                                             (overlays-in (line-beginning-position) (1+ (line-end-position))))
                           ""))))
    (and (string-search "heap:" text) (substring-no-properties text))))

(defun e2e-goto (text &optional offset)
  "Put point at the start of the first TEXT in the buffer, plus OFFSET."
  (goto-char (point-min))
  (search-forward text)
  (goto-char (+ (match-beginning 0) (or offset 0))))

(defun e2e-eldoc-at-point ()
  "What eldoc shows at point: every documentation function's part, as one string."
  (let (got)
    (let ((eldoc-display-functions
           (list (lambda (docs _interactive)
                   (setq got (mapconcat (lambda (d) (format "%s" (car d))) docs "\n"))))))
      (eldoc-print-current-symbol-info t)
      (e2e-wait (lambda () (and got (string-search "heap" got))) 20))
    got))

(defun e2e-run ()
  (e2e-log "emacs %s, eglot-inlay-hints-mode: %s" emacs-version (fboundp 'eglot-inlay-hints-mode))
  (e2e-check (executable-find "gopls") (format "gopls on exec-path: %s" (executable-find "gopls")))
  (e2e-check (executable-find "goescape") (format "goescape on exec-path: %s" (executable-find "goescape")))
  (setq eglot-sync-connect e2e-wait)
  (let* ((file (e2e-write-module))
         (escapes (e2e-compiler-escapes (file-name-directory file))))
    (e2e-log "compiler's heap escapes: %S" escapes)
    (e2e-check (>= (length escapes) 2) "the compiler reports heap escapes in the module")
    ;; the user opens the file: C-x C-f runs in the command loop, and eglot-ensure
    ;; starts the server from post-command-hook
    (execute-kbd-macro (vconcat (kbd "C-x C-f C-a C-k") file (kbd "RET")))
    (e2e-check (equal buffer-file-name file) (format "C-x C-f visits %s (major mode %s)" buffer-file-name major-mode))
    (e2e-wait #'eglot-current-server 60)
    (let* ((server (eglot-current-server))
           (procs (cl-remove-if-not (lambda (p) (eq (process-type p) 'real)) (process-list)))
           (servers (let (all) (maphash (lambda (_ v) (setq all (append v all))) eglot--servers-by-project) all)))
      (unless (e2e-check (cl-typep server 'eglot-goescape)
                         (format "an eglot-goescape server manages the buffer (%s)" (eieio-object-class server)))
        (e2e-finish 1))
      (e2e-log "server command: %S" (process-command (jsonrpc--process server)))
      (e2e-check (equal (process-command (jsonrpc--process server))
                        (list "goescape" (concat "--gopls=" (executable-find "gopls"))))
                 "eglot started goescape --gopls=<gopls from exec-path>")
      (e2e-check (equal servers (list server)) (format "exactly one eglot server (%d)" (length servers)))
      (e2e-check (= (length procs) 1) (format "Emacs runs one language server process: %S" (mapcar #'process-command procs))))
    (e2e-check (equal (e2e-sent-keys 'initialize) '(("debounceMs")))
               (format "initializationOptions carry only the changed setting: %S" (e2e-sent-keys 'initialize)))
    (flymake-mode 1)
    (flymake-start)

    ;; 1. goescape's escapes, on the lines the compiler names
    (e2e-wait (lambda () (cl-every #'e2e-has-escape escapes)))
    (dolist (d (e2e-goescape-diags)) (e2e-log "  diag line %d: %s" (car d) (cdr d)))
    (dolist (e escapes)
      (e2e-check (e2e-has-escape e) (format "flymake shows goescape's %S on line %d" (cdr e) (car e))))

    ;; 1b. goescape's inlay hints, fetched by eglot-inlay-hints-mode as the text is shown
    (e2e-check (bound-and-true-p eglot-inlay-hints-mode) "eglot-inlay-hints-mode is on")
    (let ((hint (e2e-wait (lambda () (e2e-hint-on-line (caar escapes))) 20)))
      (e2e-check hint (format "an inlay hint \"heap: ...\" is drawn on line %d: %S" (caar escapes) hint)))

    ;; 2. eldoc at p (moved to heap): gopls's part and the escape section
    (e2e-goto "p := Point")
    (let ((doc (e2e-eldoc-at-point)))
      (e2e-log "eldoc: %s" (replace-regexp-in-string "\n" " | " (truncate-string-to-width (or doc "") 400)))
      (e2e-check (and doc (string-search "var p Point" doc)) "eldoc has gopls's part (var p Point)")
      (e2e-check (and doc (string-search "p moves to the heap in NewPoint" doc)
                      (string-search "Cause: returned from NewPoint" doc))
                 "eldoc has the escape section (p moves to the heap in NewPoint, the cause)")
      (e2e-check (let ((gopls (and doc (string-search "var p Point" doc)))
                       (escape (and doc (string-search "goescape ·" doc))))
                   (and gopls escape (< gopls escape)))
                 "gopls's part comes first, then goescape's"))

    ;; 3. an xref jump: M-. on NewPoint in Describe lands on its definition
    (e2e-goto "q := NewPoint" 5)
    (condition-case err (call-interactively #'xref-find-definitions)
      (error (e2e-log "M-.: %s" (error-message-string err))))
    (e2e-check (and (equal buffer-file-name file)
                    (string-prefix-p "func NewPoint(" (buffer-substring (line-beginning-position) (line-end-position))))
               (format "M-. on NewPoint jumps to its definition (line %d: %S)" (line-number-at-pos)
                       (buffer-substring-no-properties (line-beginning-position) (line-end-position))))

    ;; 4. gopls's completion: after fmt.Pr, completion-help-at-point lists Println
    (e2e-goto "return fmt.Sprint")
    (end-of-line)
    (let ((start (point)))
      (insert "\n\tfmt.Pr")
      (condition-case err (completion-help-at-point)
        (error (e2e-log "completion-help-at-point: %s" (error-message-string err))))
      (let ((shown (e2e-wait (lambda ()
                               (let ((b (get-buffer "*Completions*")))
                                 (and b (with-current-buffer b (string-search "Println" (buffer-string)))
                                      (with-current-buffer b (buffer-string)))))
                             20)))
        (e2e-log "*Completions*: %s" (replace-regexp-in-string "\n" " | " (or shown "")))
        (e2e-check shown "completion-at-point after fmt.Pr lists Println (gopls)"))
      (delete-region start (line-end-position))
      (set-buffer-modified-p nil))

    ;; 5. goescape's escapes are still there, beside gopls's work
    (e2e-check (e2e-wait (lambda () (cl-every #'e2e-has-escape escapes)) 30)
               "goescape's diagnostics are still shown")
    (e2e-check (cl-every (lambda (keys) (equal keys '("debounceMs")))
                         (append (e2e-sent-keys 'didChangeConfiguration) (e2e-sent-keys 'configuration)))
               (format "no other setting is sent (didChangeConfiguration %S, workspace/configuration %S)"
                       (e2e-sent-keys 'didChangeConfiguration) (e2e-sent-keys 'configuration)))

    ;; 6. eglot-shutdown (which kills goescape right after `exit') leaves no gopls running
    (let ((kids (e2e-server-children)))
      (e2e-log "goescape runs %S" (mapcar (lambda (k) (e2e-proc-words (format "/proc/%d/cmdline" k))) kids))
      (e2e-check kids "goescape runs gopls as its child")
      (e2e-check (e2e-shutdown) "after eglot-shutdown no gopls is left running")))
  (e2e-finish 0))

(e2e-start #'e2e-run)
